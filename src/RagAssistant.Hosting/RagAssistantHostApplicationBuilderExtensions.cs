using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.Extensions.Hosting;

/// <summary>Adds the assistant to a front end's host, in the shape of eShop's <c>AddServiceDefaults</c>.</summary>
public static class RagAssistantHostApplicationBuilderExtensions
{
    /// <summary>
    /// Registers the assistant from <paramref name="builder"/>'s configuration (appsettings.json, environment
    /// variables such as <c>ChatModel__Provider=OpenAICompatible</c>, the command line): the chat and embedding
    /// clients of the configured providers, Core's retrieval and answering, and the runtime description. Registering
    /// throws nothing; bad settings fail start-up validation with a message that says what to fix.
    /// </summary>
    /// <typeparam name="TBuilder">The host builder (<c>HostApplicationBuilder</c>, <c>WebApplicationBuilder</c>).</typeparam>
    /// <param name="builder">The front end's host builder.</param>
    /// <returns><paramref name="builder"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is null.</exception>
    public static TBuilder AddRagAssistant<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddRagAssistant(builder.Configuration);
        return builder;
    }
}
