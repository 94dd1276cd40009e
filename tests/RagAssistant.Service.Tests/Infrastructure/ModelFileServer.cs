using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace RagAssistant.Service.Tests.Infrastructure;

/// <summary>
/// A model host on loopback for download tests: serves one GGUF file as <c>tiny-chat.gguf</c> (the real HTTP path of
/// the downloader), and writes the models.json whose default chat model it is.
/// </summary>
internal sealed class ModelFileServer : IAsyncDisposable
{
    /// <summary>The manifest name and file name of the served chat model.</summary>
    public const string ModelName = "tiny-chat";

    private readonly WebApplication _app;

    private ModelFileServer(WebApplication app) => _app = app;

    /// <summary>The URL of the served file.</summary>
    public Uri FileUrl => new($"{_app.Urls.First()}/{ModelName}.gguf");

    /// <summary>Serves <paramref name="content"/>; without content every request fails with 503.</summary>
    public static async Task<ModelFileServer> StartAsync(byte[]? content, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapGet($"/{ModelName}.gguf", () => content is null ? Results.StatusCode(StatusCodes.Status503ServiceUnavailable) : Results.Bytes(content, "application/octet-stream"));
        await app.StartAsync(cancellationToken);
        return new ModelFileServer(app);
    }

    /// <summary>Writes <c>models.json</c> into <paramref name="folder"/> with the served file as the default chat model.</summary>
    /// <returns>The manifest's path.</returns>
    public async Task<string> WriteManifestAsync(string folder, long size, CancellationToken cancellationToken)
    {
        var manifest = Path.Combine(folder, "models.json");
        await File.WriteAllTextAsync(manifest, $$"""
            { "models": [ { "name": "{{ModelName}}", "role": "chat", "file": "{{ModelName}}.gguf", "url": "{{FileUrl}}",
                            "size_bytes": {{size}}, "sha256": null, "license": "MIT" } ] }
            """, cancellationToken);
        return manifest;
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
