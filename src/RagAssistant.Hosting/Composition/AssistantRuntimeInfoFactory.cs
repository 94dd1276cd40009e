using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using RagAssistant.Core;
using RagAssistant.Core.Ingestion;
using RagAssistant.Hosting.OpenAICompatible;
using RagAssistant.Hosting.Startup;
using RagAssistant.LlamaCpp.Chat;
using RagAssistant.LlamaCpp.Native;

namespace RagAssistant.Hosting.Composition;

/// <summary>Describes what the assistant runs on from clients the start-up has already loaded; it loads nothing itself.</summary>
/// <param name="configuration">The application's configuration (the embedding provider).</param>
/// <param name="files">The local model files.</param>
/// <param name="corpus">The corpus folder.</param>
/// <param name="servers">The model servers' settings (OpenAI-compatible chat and embedding).</param>
/// <param name="chatTokenizer">Returns the chat model's tokenizer (for the context size of another in-process client), or null.</param>
public sealed class AssistantRuntimeInfoFactory(
    IConfiguration configuration,
    LocalModelFiles files,
    IOptions<CorpusOptions> corpus,
    IOptionsMonitor<OpenAICompatibleModelOptions> servers,
    Func<ITokenizer?> chatTokenizer)
{
    /// <summary>The description of the assistant answering with <paramref name="chat"/>.</summary>
    /// <param name="chat">The chat model's client, or null for retrieval-only answers.</param>
    /// <param name="chatRemote">True when the chat model is a model server.</param>
    /// <param name="notices">The start-up notices to carry.</param>
    /// <returns>The models, backend, context, threads and corpus in use.</returns>
    public AssistantRuntimeInfo Create(IChatClient? chat, bool chatRemote, IReadOnlyList<string> notices)
    {
        var corpusFolder = corpus.Value.ResolveFolder();
        var embedding = DescribeEmbedding();
        var embeddingPath = files.Embedding is { IsPresent: true } gguf ? gguf.Path : null;
        if (chatRemote)
        {
            // A chat model on a server: the server owns backend and threads.
            var server = servers.Get(OpenAICompatibleModelOptions.ChatName);
            return new AssistantRuntimeInfo(
                ChatModelPath: null,
                Describe(server),
                embeddingPath,
                Backend: "remote",
                server.ContextSize,
                Threads: 0,
                corpusFolder,
                RetrievalOnly: chat is null,
                notices,
                embedding);
        }

        var llama = chat?.GetService<LlamaChatClient>();
        if (chat is not null && llama is null)
        {
            // Another in-process client (a test double, an adapter a user registers): its metadata is all there is.
            var metadata = chat.GetService<ChatClientMetadata>();
            return new AssistantRuntimeInfo(
                ChatModelPath: null,
                metadata is null ? null : $"{metadata.ProviderName} {metadata.DefaultModelId}".Trim(),
                embeddingPath,
                Backend: "in-process",
                chatTokenizer()?.ContextSize ?? 0,
                Threads: 0,
                corpusFolder,
                RetrievalOnly: false,
                notices,
                embedding);
        }

        var native = LlamaNativeLibrary.Info;
        var backend = native is null ? "none"
            : native.Backend == LlamaCpp.LlamaBackend.Cuda ? $"cuda ({string.Join(", ", native.GpuDevices)})"
            : "cpu";
        return new AssistantRuntimeInfo(
            llama is null ? null : files.Chat?.Path,
            llama is null ? null : $"{llama.Model.Info.Architecture}, {llama.Model.Info.ParameterCount / 1e6:F1}M parameters, {llama.Model.Info.Quantization}",
            embeddingPath,
            backend,
            llama?.ContextSize ?? 0,
            llama?.Threads ?? 0,
            corpusFolder,
            RetrievalOnly: llama is null,
            notices,
            embedding);
    }

    // "model qwen2.5:0.5b at http://127.0.0.1:11434/v1 (OpenAI-compatible)", for the banner and /api/status.
    private static string Describe(OpenAICompatibleModelOptions server) => $"model {server.ModelId} at {server.Endpoint} (OpenAI-compatible)";

    // The embedder in words: the bundled model, the GGUF file name, or the server's model; null when BM25 only.
    private string? DescribeEmbedding() =>
        ModelProviders.ResolveEmbedding(configuration, out _) switch
        {
            EmbeddingProvider.Bundled => BundledEmbedder.Description(configuration),
            EmbeddingProvider.Gguf when files.Embedding is { IsPresent: true } gguf => Path.GetFileName(gguf.Path),
            EmbeddingProvider.OpenAICompatible => Describe(servers.Get(OpenAICompatibleModelOptions.EmbeddingName)),
            _ => null,
        };
}
