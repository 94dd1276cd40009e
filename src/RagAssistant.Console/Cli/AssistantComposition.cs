using Microsoft.Extensions.Hosting;

namespace RagAssistant.Console.Cli;

/// <summary>The real services behind the console: everything RagAssistant.Hosting registers.</summary>
internal static class AssistantComposition
{
    /// <summary>Registers the assistant's services on <paramref name="builder"/> (<c>AddRagAssistant</c>).</summary>
    public static void Compose(HostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddRagAssistant();
    }
}
