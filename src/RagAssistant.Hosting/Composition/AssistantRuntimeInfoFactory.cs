using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using RagAssistant.Core.Corpus;
using RagAssistant.Hosting.OpenAICompatible;
using RagAssistant.Hosting.Startup;
using RagAssistant.LlamaCpp.Chat;
using RagAssistant.LlamaCpp.Native;

namespace RagAssistant.Hosting.Composition;

/// <summary>Describes what the assistant runs on from clients the start-up has already loaded; it loads nothing itself.</summary>
internal static class AssistantRuntimeInfoFactory
{
    public static AssistantRuntimeInfo Create(IServiceProvider services, LocalModelFilesOptions files, IChatClient? chat, bool chatRemote, IReadOnlyList<string> notices)
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
        var native = LlamaNativeLibrary.Info;
        var backend = native is null ? "none"
            : native.Backend == LlamaCpp.LlamaBackend.Cuda ? $"cuda ({string.Join(", ", native.GpuDevices)})"
            : "cpu";
        var description = llama is not null
            ? $"{llama.Model.Info.Architecture}, {llama.Model.Info.ParameterCount / 1e6:F1}M parameters, {llama.Model.Info.Quantization}"
            : chat?.GetService<ChatClientMetadata>() is { } metadata ? $"{metadata.ProviderName} {metadata.DefaultModelId}".Trim()
            : null;
        return new AssistantRuntimeInfo(
            llama is null ? null : files.Chat?.Path,
            description,
            embeddingPath,
            backend,
            llama?.ContextSize ?? 0,
            llama?.Threads ?? 0,
            corpus,
            RetrievalOnly: chat is null,
            notices,
            embedding);
    }

    // The embedder in words: the bundled model, the GGUF file name, or the server's model; null when BM25 only.
    private static string? DescribeEmbedding(IServiceProvider services, LocalModelFilesOptions files)
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
