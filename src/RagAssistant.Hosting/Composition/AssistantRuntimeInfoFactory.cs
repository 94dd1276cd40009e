using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using RagAssistant.Core.Corpus;
using RagAssistant.LlamaCpp.Chat;
using RagAssistant.LlamaCpp.Native;

namespace RagAssistant.Hosting.Composition;

/// <summary>Builds <see cref="AssistantRuntimeInfo"/>; resolving it loads the models, so start-up fails early on a bad file.</summary>
internal static class AssistantRuntimeInfoFactory
{
    public static AssistantRuntimeInfo Create(IServiceProvider services, string? chatPath, string? embeddingPath, string? embeddingDescription, IReadOnlyList<string> notices)
    {
        var chat = chatPath is null ? null : services.GetRequiredService<LlamaChatClient>();
        if (embeddingPath is not null)
        {
            _ = services.GetRequiredService<LlamaCpp.Embeddings.LlamaEmbeddingGenerator>();
        }
        else if (embeddingDescription is not null)
        {
            _ = services.GetRequiredService<Onnx.Embeddings.ArcticEmbeddingGenerator>();
        }

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
}
