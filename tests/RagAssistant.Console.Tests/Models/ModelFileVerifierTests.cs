using RagAssistant.Console.Tests.TestDoubles;
using RagAssistant.Hosting.Models;

namespace RagAssistant.Console.Tests.Models;

public sealed class ModelFileVerifierTests
{
    [Fact]
    public async Task Reads_the_header_and_hash_of_the_shared_stories_model()
    {
        var path = TestPaths.Stories;

        var result = await ModelFileVerifier.VerifyAsync(
            path, 1185376, "270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d", cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(result.IsValid, string.Join("; ", result.Problems));
        Assert.Equal(3u, result.Gguf!.Version);
        Assert.Equal(48, result.Gguf.Tensors.Count);
        Assert.Equal("llama", result.Gguf.Architecture);
    }

    [Fact]
    public async Task Lists_every_problem_of_a_bad_file()
    {
        var folder = new TempFolder();
        try
        {
            var path = Path.Combine(folder.Path, "bad.gguf");
            await File.WriteAllTextAsync(path, "<!DOCTYPE html><html>not a model</html>", TestContext.Current.CancellationToken);

            var result = await ModelFileVerifier.VerifyAsync(path, 1000, new string('a', 64), cancellationToken: TestContext.Current.CancellationToken);

            Assert.False(result.IsValid);
            Assert.Collection(
                result.Problems,
                p => Assert.Contains("expected 1000", p, StringComparison.Ordinal),
                p => Assert.Contains("not a GGUF file", p, StringComparison.Ordinal),
                p => Assert.Contains("sha256", p, StringComparison.Ordinal));
        }
        finally
        {
            folder.Dispose();
        }
    }

    [Theory]
    [InlineData(new byte[] { (byte)'G', (byte)'G', (byte)'U', (byte)'F', 9, 0, 0, 0 }, "version 9")]
    [InlineData(new byte[] { (byte)'G', (byte)'G' }, "not a GGUF file")]
    public async Task Rejects_truncated_or_unknown_headers(byte[] start, string expected)
    {
        var folder = new TempFolder();
        try
        {
            var path = Path.Combine(folder.Path, "bad.gguf");
            await File.WriteAllBytesAsync(path, start.Length >= 8 ? start.Concat(new byte[16]).ToArray() : start, TestContext.Current.CancellationToken);

            var result = await ModelFileVerifier.VerifyAsync(path, null, null, cancellationToken: TestContext.Current.CancellationToken);

            Assert.Null(result.Gguf);
            Assert.Contains(expected, Assert.Single(result.Problems), StringComparison.Ordinal);
        }
        finally
        {
            folder.Dispose();
        }
    }
}
