using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using RagAssistant.Core;
using RagAssistant.Core.Answering;
using RagAssistant.Core.Ingestion;
using RagAssistant.Hosting.OpenAICompatible;
using RagAssistant.Hosting.Startup;
using RagAssistant.LlamaCpp.Chat;
using RagAssistant.LlamaCpp.Native;

namespace RagAssistant.Hosting.Composition;

/// <summary>Describes what the assistant runs on from clients the start-up has already loaded; it loads nothing itself.</summary>
internal static class AssistantRuntimeInfoFactory
{
    public static AssistantRuntimeInfo Create(IServiceProvider services, LocalModelFiles files, IChatClient? chat, bool chatRemote, IReadOnlyList<string> notices)
    {
        var corpus = services.GetRequiredService<IOptions<CorpusOptions>>().Value.ResolveFolder();
        var embedding = DescribeEmbedding(services, files);
        var embeddingPath = files.Embedding is { IsPresent: true } gguf ? gguf.Path : null;
        if (chatRemote)
        {
            // A chat model on a server: the server owns backend and threads.
            return new AssistantRuntimeInfo(
                ChatModelPath: null,
                OpenAICompatibleRegistration.Describe(services, OpenAICompatibleModelOptions.ChatName),
                embeddingPath,
                Backend: "remote",
                OpenAICompatibleRegistration.Get(services, OpenAICompatibleModelOptions.ChatName).ContextSize,
                Threads: 0,
                corpus,
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
                services.GetKeyedService<ITokenizer>(ITokenizer.ChatKey)?.ContextSize ?? 0,
                Threads: 0,
                corpus,
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
            corpus,
            RetrievalOnly: llama is null,
            notices,
            embedding);
    }

    // The embedder in words: the bundled model, the GGUF file name, or the server's model; null when BM25 only.
    private static string? DescribeEmbedding(IServiceProvider services, LocalModelFiles files)
    {
        var configuration = services.GetRequiredService<Microsoft.Extensions.Configuration.IConfiguration>();
        return RagAssistantServiceCollectionExtensions.ResolveEmbeddingProvider(configuration, out _) switch
        {
            EmbeddingProvider.Bundled => RagAssistantServiceCollectionExtensions.BundledEmbeddingDescription,
            EmbeddingProvider.Gguf when files.Embedding is { IsPresent: true } gguf => Path.GetFileName(gguf.Path),
            EmbeddingProvider.OpenAICompatible => OpenAICompatibleRegistration.Describe(services, OpenAICompatibleModelOptions.EmbeddingName),
            _ => null,
        };
    }
}
