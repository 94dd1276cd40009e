using Microsoft.Extensions.Configuration;
using RagAssistant.Hosting.Composition;

namespace RagAssistant.Hosting.Startup;

/// <summary>Derives where the chat model stands (<see cref="ChatModelState"/>) from the configuration and what loaded.</summary>
/// <param name="configuration">The application's configuration (retrieval-only, the chat provider).</param>
/// <param name="files">The local model files and whether they are downloaded.</param>
public sealed class ChatModelStateDeriver(IConfiguration configuration, LocalModelFiles files)
{
    /// <summary>The chat model's state.</summary>
    /// <param name="models">What loading the models gave.</param>
    /// <returns>Off, Failed, Remote, Loaded, Missing or NotConfigured, in that order of precedence.</returns>
    public ChatModelState Derive(LoadedModels models)
    {
        ArgumentNullException.ThrowIfNull(models);
        if (configuration.GetValue<bool>(CommandLineOverrides.RetrievalOnlyKey))
        {
            return ChatModelState.Off;
        }

        if (models.Failure is not null)
        {
            return ChatModelState.Failed;
        }

        if (ModelProviders.ResolveChat(configuration, out _) == ChatModelProvider.OpenAICompatible)
        {
            return ChatModelState.Remote;
        }

        return models.Chat is not null ? ChatModelState.Loaded
            : files.Chat is { IsPresent: false } ? ChatModelState.Missing
            : ChatModelState.NotConfigured;
    }
}
