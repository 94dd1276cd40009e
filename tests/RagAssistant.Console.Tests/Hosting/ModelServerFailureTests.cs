using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using RagAssistant.Console.Tests.TestDoubles;
using RagAssistant.Core.Answering;
using RagAssistant.Hosting;

namespace RagAssistant.Console.Tests.Hosting;

/// <summary>
/// The chat client and the embedding generator <c>AddRagAssistant</c> registers for <c>ChatModel:Provider</c> and
/// <c>EmbeddingModel:Provider</c> <c>OpenAICompatible</c>, against a server on loopback that fails (its
/// <c>/v1/embeddings</c> answered as any request): each failure is one <see cref="ModelServerException"/> line naming
/// the server and the setting of its section to fix; a chat request is sent once (no retries); an empty or cut-off
/// stream is a failure, not an answer.
/// </summary>
public sealed class ModelServerFailureTests
{
    private const string Embedding = "EmbeddingModel";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_error_status_is_one_line_naming_the_server_and_its_reason_and_is_not_retried()
    {
        using var server = new FaultyChatServer(ServerFault.Status);
        using var host = Build(server.Endpoint);

        var error = await Assert.ThrowsAsync<ModelServerException>(() => StreamAsync(host));

        Assert.Equal($"the model server at {server.Endpoint} (ChatModel:Endpoint) answered HTTP 500: internal boom details", error.Message);
        Assert.Equal(1, server.Requests);
    }

    [Theory]
    [InlineData(HttpStatusCode.Unauthorized, "set the key it expects as ChatModel:ApiKey (environment variable ChatModel__ApiKey)")]
    [InlineData(HttpStatusCode.NotFound, "ChatModel:Endpoint must be the server's base URL ending in /v1 and ChatModel:ModelId a model it serves (it is scripted)")]
    public async Task Unauthorized_and_not_found_say_which_setting_to_fix(HttpStatusCode status, string expected)
    {
        using var server = new FaultyChatServer(ServerFault.Status, status);
        using var host = Build(server.Endpoint);

        var error = await Assert.ThrowsAsync<ModelServerException>(() => StreamAsync(host));

        Assert.StartsWith($"the model server at {server.Endpoint} (ChatModel:Endpoint) answered HTTP {(int)status}: internal boom", error.Message, StringComparison.Ordinal);
        Assert.EndsWith(expected + ".", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Nothing_listening_says_to_start_the_server_or_fix_the_endpoint()
    {
        var endpoint = NothingListening();
        using var host = Build(endpoint);

        var error = await Assert.ThrowsAsync<ModelServerException>(() => StreamAsync(host));

        Assert.Equal($"nothing is listening at {endpoint}: start the model server or fix ChatModel:Endpoint.", error.Message);
    }

    [Theory]
    [InlineData(HttpStatusCode.InternalServerError, "", 4)] // a server error is retried (3 retries): a batch is idempotent
    [InlineData(HttpStatusCode.Unauthorized, "; set the key it expects as EmbeddingModel:ApiKey (environment variable EmbeddingModel__ApiKey).", 1)]
    [InlineData(HttpStatusCode.NotFound, "; EmbeddingModel:Endpoint must be the server's base URL ending in /v1 and EmbeddingModel:ModelId a model it serves (it is scripted).", 1)]
    public async Task An_embedding_server_error_status_is_one_line_naming_the_server_and_the_EmbeddingModel_setting_to_fix(HttpStatusCode status, string advice, int requests)
    {
        using var server = new FaultyChatServer(ServerFault.Status, status);
        using var host = Build(server.Endpoint, Embedding);

        var error = await Assert.ThrowsAsync<ModelServerException>(() => EmbedAsync(host));

        Assert.Equal($"the model server at {server.Endpoint} (EmbeddingModel:Endpoint) answered HTTP {(int)status}: internal boom details{advice}", error.Message);
        Assert.Equal(requests, server.Requests);
    }

    [Fact]
    public async Task Nothing_listening_for_embeddings_says_to_start_the_server_or_fix_EmbeddingModel_Endpoint()
    {
        var endpoint = NothingListening();
        using var host = Build(endpoint, Embedding);

        var error = await Assert.ThrowsAsync<ModelServerException>(() => EmbedAsync(host));

        Assert.Equal($"nothing is listening at {endpoint}: start the model server or fix EmbeddingModel:Endpoint.", error.Message);
    }

    [Fact]
    public async Task A_stalled_embedding_server_fails_naming_EmbeddingModel_Timeout_and_a_cancel_is_a_cancel()
    {
        using var server = new FaultyChatServer(ServerFault.Stall);
        using var host = Build(server.Endpoint, Embedding, ("EmbeddingModel:Timeout", "00:00:01"));
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<ModelServerException>(() => EmbedAsync(host));

        // Embedding batches keep the SDK's retries of a server error (they are idempotent); a timeout is not retried:
        // one request, one EmbeddingModel:Timeout, then the line.
        Assert.Equal($"the model server at {server.Endpoint} (EmbeddingModel:Endpoint) did not answer within 00:00:01 (EmbeddingModel:Timeout): check that it is running and not overloaded, or raise EmbeddingModel:Timeout.", error.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"took {clock.Elapsed}");
        Assert.Equal(1, server.Requests);
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cancellation.CancelAfter(TimeSpan.FromMilliseconds(300));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => EmbedAsync(host, cancellation.Token));
    }

    [Fact]
    public async Task A_stalled_server_fails_once_after_ChatModel_Timeout_naming_it()
    {
        using var server = new FaultyChatServer(ServerFault.Stall);
        using var host = Build(server.Endpoint, ("ChatModel:Timeout", "00:00:01"));
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<ModelServerException>(() => StreamAsync(host));

        Assert.Equal($"the model server at {server.Endpoint} (ChatModel:Endpoint) did not answer within 00:00:01 (ChatModel:Timeout): check that it is running and not overloaded, or raise ChatModel:Timeout.", error.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"took {clock.Elapsed}");
        Assert.Equal(1, server.Requests);
    }

    [Theory]
    [InlineData(ServerFault.EmptyStream)]
    [InlineData(ServerFault.PlainJson)]
    public async Task A_reply_without_answer_text_is_a_failure(ServerFault fault)
    {
        using var server = new FaultyChatServer(fault);
        using var host = Build(server.Endpoint);

        var error = await Assert.ThrowsAsync<ModelServerException>(() => StreamAsync(host));

        Assert.StartsWith($"the model server at {server.Endpoint} (ChatModel:Endpoint) returned no answer text", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stream_cut_off_before_its_finish_reason_is_a_failure_after_the_text_it_brought()
    {
        using var server = new FaultyChatServer(ServerFault.CutOff);
        using var host = Build(server.Endpoint);
        var text = new System.Text.StringBuilder();

        var error = await Assert.ThrowsAsync<ModelServerException>(() => StreamAsync(host, text));

        Assert.Equal("word0 word1 word2", text.ToString());
        Assert.Equal($"the model server at {server.Endpoint} (ChatModel:Endpoint) closed the connection before the answer ended; the answer is incomplete.", error.Message);
    }

    [Theory]
    [InlineData(null, "")]
    [InlineData("secret", "Bearer secret")]
    public async Task The_authorization_header_is_sent_only_with_an_api_key(string? apiKey, string expected)
    {
        using var server = new FaultyChatServer(ServerFault.None);
        using var host = Build(server.Endpoint, ("ChatModel:ApiKey", apiKey));
        var text = new System.Text.StringBuilder();

        await StreamAsync(host, text);

        Assert.Equal("word0 word1 word2", text.ToString());
        Assert.Equal(expected, Assert.Single(server.Authorizations));
    }

    private static async Task StreamAsync(IHost host, System.Text.StringBuilder? text = null)
    {
        var client = host.Services.GetRequiredService<IChatClient>();
        await foreach (var update in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "question")], cancellationToken: Ct))
        {
            text?.Append(update.Text);
        }
    }

    private static Task<GeneratedEmbeddings<Embedding<float>>> EmbedAsync(IHost host, CancellationToken? cancellationToken = null) =>
        host.Services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>().GenerateAsync(["a passage"], cancellationToken: cancellationToken ?? Ct);

    // A loopback port nothing listens on.
    private static Uri NothingListening()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return new Uri($"http://127.0.0.1:{((IPEndPoint)probe.LocalEndpoint).Port}/v1");
    }

    private static IHost Build(Uri endpoint, params (string Key, string? Value)[] settings) => Build(endpoint, "ChatModel", settings);

    // The server configured as the model of section (ChatModel: no embedding model; EmbeddingModel: no chat model).
    private static IHost Build(Uri endpoint, string section, params (string Key, string? Value)[] settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["EmbeddingModel:Provider"] = "None",
            ["Corpus:Folder"] = Path.GetTempPath(),
            ["Answering:PromptsFolder"] = Path.Combine(AppContext.BaseDirectory, "prompts"),
            [$"{section}:Provider"] = "OpenAICompatible",
            [$"{section}:Endpoint"] = endpoint.ToString(),
            [$"{section}:ModelId"] = "scripted",
        });
        builder.Configuration.AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, s.Value)));
        return builder.AddRagAssistant().Build();
    }
}
