namespace RagAssistant.Console.Tests.EndToEnd;

/// <summary><c>models download</c> with no way to reach the server: one clear error, no retries, no log lines.</summary>
[Trait("Category", "EndToEnd")]
public sealed class OfflineDownloadTests : IDisposable
{
    private readonly TempFolder workingDirectory = new();

    public void Dispose() => workingDirectory.Dispose();

    [Fact]
    public async Task An_unresolvable_host_is_one_error_that_says_offline_and_how_to_fetch_by_hand()
    {
        var manifest = workingDirectory.Write("models.json", """
            { "models": [ { "name": "far-chat", "role": "chat", "file": "far-chat.gguf", "url": "http://nonexistent.invalid/far-chat.gguf",
                            "size_bytes": null, "approx_size_mb": 491, "sha256": null, "license": "MIT" } ] }
            """);
        var environment = new Dictionary<string, string>
        {
            ["Models__ManifestPath"] = manifest,
            ["Models__Folder"] = workingDirectory.File("models"),
            ["Models__DownloadAttempts"] = "4",
        };

        var result = await ConsoleProcess.RunWithEnvironmentAsync(environment, null, workingDirectory.Path, "models", "download", "chat");

        Assert.Equal(1, result.ExitCode);
        var error = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: cannot reach nonexistent.invalid (are you offline?)", error, StringComparison.Ordinal);
        Assert.Contains($"save it as {workingDirectory.File("models/far-chat.gguf")}", error, StringComparison.Ordinal);
        Assert.DoesNotContain("warning:", result.Error + result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("resuming", result.Error + result.Output, StringComparison.Ordinal);

        // The one download command every message names: by role for a role's default model, as the banner says it.
        Assert.Contains("models download chat`", error, StringComparison.Ordinal);
        Assert.DoesNotContain("models download far-chat", error, StringComparison.Ordinal);
    }
}
