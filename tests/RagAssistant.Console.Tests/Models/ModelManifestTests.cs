using RagAssistant.Console.Tests.TestDoubles;
using RagAssistant.Hosting.Models;

namespace RagAssistant.Console.Tests.Models;

public sealed class ModelManifestTests
{
    [Fact]
    public async Task The_repository_manifest_names_a_default_chat_and_embedding_model()
    {
        var root = TestPaths.RepositoryRoot;

        var manifest = await ModelManifest.LoadAsync(Path.Combine(root, "models", "models.json"), TestContext.Current.CancellationToken);

        var chat = manifest.Find("chat")!;
        Assert.EndsWith(".gguf", chat.File, StringComparison.Ordinal);
        Assert.Contains("q4_k_m", chat.File, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("https", chat.Url.Scheme);
        Assert.Equal("Apache-2.0", chat.License);
        var embedding = manifest.Find("embedding")!;
        Assert.Equal("https", embedding.Url.Scheme);
        Assert.Equal("Represent this sentence for searching relevant passages: ", embedding.QueryPrefix);
        Assert.Same(embedding, manifest.Find(embedding.Name));
    }

    [Theory]
    [InlineData("{ not json", "not valid JSON")]
    [InlineData("{\"models\": null}", "\"models\" array")]
    [InlineData("{\"models\": [{\"name\": \"x\", \"role\": \"vision\", \"file\": \"x.gguf\", \"url\": \"https://example.org/x.gguf\"}]}", "\"role\" must be")]
    [InlineData("{\"models\": [{\"name\": \"x\", \"role\": \"chat\", \"file\": \"../x.gguf\", \"url\": \"https://example.org/x.gguf\"}]}", "plain file name")]
    [InlineData("{\"models\": [{\"name\": \"x\", \"role\": \"chat\", \"file\": \"x.gguf\", \"url\": \"ftp://example.org/x.gguf\"}]}", "http(s) URL")]
    [InlineData("{\"models\": [{\"name\": \"x\", \"role\": \"chat\", \"file\": \"x.gguf\", \"url\": \"https://example.org/x.gguf\", \"sha256\": \"abc\"}]}", "64 hex digits")]
    public void A_malformed_manifest_is_rejected_with_the_file_and_the_problem(string json, string expected)
    {
        var error = Assert.Throws<InvalidDataException>(() => ModelManifest.Parse(json, "models.json"));

        Assert.StartsWith("models.json: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
