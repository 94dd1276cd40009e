using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using RagAssistant.Core.Corpus;
using RagAssistant.LlamaCpp.Chat;
using RagAssistant.LlamaCpp.Native;

namespace RagAssistant.Hosting.Composition;

/// <summary>Builds <see cref="AssistantRuntimeInfo"/>; resolving it loads the local models, so start-up fails early on a bad file.</summary>
internal static class AssistantRuntimeInfoFactory
{
    public static AssistantRuntimeInfo Create(IServiceProvider services, string? chatPath, bool chatRemote, string? embeddingPath, string? embeddingDescription, IReadOnlyList<string> notices)
    {
        if (chatRemote)
        {
            return CreateRemote(services, embeddingPath, embeddingDescription, notices);
        }

        var chat = chatPath is null ? null : services.GetRequiredService<LlamaChatClient>();
        LoadEmbeddingModel(services, embeddingDescription);

        var corpus = services.GetRequiredService<IOptions<CorpusOptions>>().Value.ResolveFolder();
        var native = LlamaNativeLibrary.Info;
        var backend = native is null ? "none"
            : native.Backend == LlamaCpp.LlamaBackend.Cuda ? $"cuda ({string.Join(", ", native.GpuDevices)})"
            : "cpu";
        var description = chat is null ? null : $"{chat.Model.Info.Architecture}, {chat.Model.Info.ParameterCount / 1e6:F1}M parameters, {chat.Model.Info.Quantization}";
        var allNotices = notices.ToList();
        if (chat?.UsesFallbackTemplate == true)
        {
            allNotices.Add($"{Path.GetFileName(chatPath)} has no chat template: a plain User/Assistant format is used (set ChatModel:ChatTemplate to choose one, e.g. \"chatml\").");
        }

        return new AssistantRuntimeInfo(
            chatPath,
            description,
            embeddingPath,
            backend,
            chat?.ContextSize ?? 0,
            chat?.Threads ?? 0,
            corpus,
            chat is null,
            allNotices,
            embeddingDescription);
    }

    // Whichever embedder is configured (a local one loads its model here, so a bad file fails start-up early).
    private static void LoadEmbeddingModel(IServiceProvider services, string? embeddingDescription)
    {
        if (embeddingDescription is not null)
        {
            _ = services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
        }
    }

    // A chat model on a server: nothing is loaded here, the server owns backend and threads.
    private static AssistantRuntimeInfo CreateRemote(IServiceProvider services, string? embeddingPath, string? embeddingDescription, IReadOnlyList<string> notices)
    {
        var options = OpenAICompatible.OpenAICompatibleRegistration.Get(services, OpenAICompatible.OpenAICompatibleModelOptions.ChatName);
        LoadEmbeddingModel(services, embeddingDescription);

        return new AssistantRuntimeInfo(
            ChatModelPath: null,
            OpenAICompatible.OpenAICompatibleRegistration.Describe(services, OpenAICompatible.OpenAICompatibleModelOptions.ChatName),
            embeddingPath,
            Backend: "remote",
            options.ContextSize,
            Threads: 0,
            services.GetRequiredService<IOptions<CorpusOptions>>().Value.ResolveFolder(),
            RetrievalOnly: false,
            notices,
            embeddingDescription);
    }
}
