using Microsoft.Extensions.Options;
using RagAssistant.Console.Cli;
using RagAssistant.Console.Tests.TestDoubles;
using RagAssistant.Hosting.Startup;
using RagAssistant.LlamaCpp.Embeddings;
using RagAssistant.LlamaCpp.Gguf;

namespace RagAssistant.Console.Tests.Cli;

/// <summary>A bad model file named on the command line gets the fix for that model: its download, its option, its setting.</summary>
public sealed class ModelFileErrorTests : IDisposable
{
    private readonly TempFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Theory]
    [InlineData("this is not a model\n")]
    [InlineData("")]
    public void A_bad_embedding_model_names_the_embedding_download_and_setting(string content)
    {
        var path = folder.Write("embedder.gguf", content);

        // The real load path of a GGUF embedder: validation runs before llama.cpp sees the file.
        var error = new ConsoleDownloadHint().Advise(Assert.Throws<ModelFileException>(() => new LlamaEmbeddingGenerator(
            Options.Create(new LlamaEmbeddingGeneratorOptions { ModelPath = path, Threads = 1 }))));

        Assert.Contains("models download embedding", error.Message, StringComparison.Ordinal);
        Assert.Contains("--embedding-model / EmbeddingModel:ModelPath", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("models download chat", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("--model ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_chat_model_keeps_the_chat_download_and_setting()
    {
        var path = folder.Write("chat.gguf", "this is not a model\n");

        var error = new ConsoleDownloadHint().Advise(Assert.Throws<ModelFileException>(() => GgufValidator.Validate(path)));

        Assert.Contains("models download chat", error.Message, StringComparison.Ordinal);
        Assert.Contains("--model / ChatModel:ModelPath", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_folder_given_as_model_is_called_a_folder_and_its_model_files_are_offered()
    {
        folder.Write("models/b.gguf", "x");
        folder.Write("models/a.gguf", "x");
        var cli = new CliHarness();

        var exitCode = await cli.RunAsync(string.Empty, "ask", "question", "--model", folder.File("models"));

        Assert.Equal(2, exitCode);
        Assert.Contains("is a folder, not a model file (pick one of its .gguf files: a.gguf, b.gguf)", cli.Error, StringComparison.Ordinal);
        Assert.Contains("point --model at a .gguf file", cli.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("does not exist", cli.Error, StringComparison.Ordinal);
    }
}
