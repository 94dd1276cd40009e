using Microsoft.Extensions.Configuration;

namespace RagAssistant.Hosting.Composition;

/// <summary>
/// Reads which chat model and which embedder the configuration asks for (<c>ChatModel:Provider</c>,
/// <c>EmbeddingModel:Provider</c>): for the registration, the start-up's state and notices, and the runtime description.
/// </summary>
internal static class ModelProviders
{
    /// <summary>Configuration key of where the chat model runs: LlamaSharp (default, in process) or OpenAICompatible.</summary>
    public const string ChatKey = "ChatModel:Provider";

    /// <summary>The configured chat provider: <see cref="ChatModelProvider.LlamaSharp"/> when <c>ChatModel:Provider</c> is unset.</summary>
    /// <param name="configuration">The application's configuration.</param>
    /// <param name="error">Why the configured value is not a provider (and what to write instead), or null when it is one.</param>
    /// <returns>The provider; <see cref="ChatModelProvider.LlamaSharp"/> when <paramref name="error"/> is set.</returns>
    public static ChatModelProvider ResolveChat(IConfiguration configuration, out string? error)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return ParseProvider(
            configuration[ChatKey],
            ChatModelProvider.LlamaSharp,
            $"{ChatKey} is \"{configuration[ChatKey]}\"; use LlamaSharp (the GGUF file ChatModel:ModelPath, in process) or OpenAICompatible (a server at ChatModel:Endpoint serving ChatModel:ModelId).",
            out error);
    }

    /// <summary>Configuration key of the embedder choice: Bundled (default), Gguf, OpenAICompatible or None.</summary>
    public const string EmbeddingKey = "EmbeddingModel:Provider";

    /// <summary>The configured embedder; a GGUF file named on the command line (--embedding-model) means Gguf.</summary>
    /// <param name="configuration">The application's configuration.</param>
    /// <param name="error">Why <c>EmbeddingModel:Provider</c> is not a provider (and what to write instead), or null when it is one.</param>
    /// <returns>The provider; <see cref="EmbeddingProvider.Bundled"/> when <paramref name="error"/> is set.</returns>
    public static EmbeddingProvider ResolveEmbedding(IConfiguration configuration, out string? error)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (configuration.GetValue<bool>(CommandLineOverrides.RequireEmbeddingModelKey))
        {
            error = null;
            return EmbeddingProvider.Gguf;
        }

        return ParseProvider(
            configuration[EmbeddingKey],
            EmbeddingProvider.Bundled,
            $"{EmbeddingKey} is \"{configuration[EmbeddingKey]}\"; use Bundled (the built-in model), Gguf (EmbeddingModel:ModelPath through llama.cpp), OpenAICompatible (a server at EmbeddingModel:Endpoint) or None (BM25 only).",
            out error);
    }

    // Unset means the default; an unknown name is an error (and the default, so registration can go on).
    private static TProvider ParseProvider<TProvider>(string? configured, TProvider unset, string unknown, out string? error)
        where TProvider : struct, Enum
    {
        error = null;
        if (string.IsNullOrWhiteSpace(configured))
        {
            return unset;
        }

        if (Enum.TryParse<TProvider>(configured, ignoreCase: true, out var provider) && Enum.IsDefined(provider))
        {
            return provider;
        }

        error = unknown;
        return unset;
    }
}
