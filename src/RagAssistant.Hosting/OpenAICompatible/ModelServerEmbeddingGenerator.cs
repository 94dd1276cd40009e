using Microsoft.Extensions.AI;
using RagAssistant.Core.Answering;

namespace RagAssistant.Hosting.OpenAICompatible;

/// <summary>
/// The embedding generator of a model server, as the assistant needs it: every failure of the server becomes a
/// <see cref="ModelServerException"/> whose one line names the server and the <c>EmbeddingModel</c> setting to fix, as
/// the chat model's does (<see cref="ModelServerChatClient"/>), instead of the SDK's multi-line messages.
/// </summary>
/// <param name="inner">The OpenAI SDK's embedding generator.</param>
/// <param name="failure">How the server's failures are said (<c>EmbeddingModel</c>).</param>
internal sealed class ModelServerEmbeddingGenerator(IEmbeddingGenerator<string, Embedding<float>> inner, ModelServerFailure failure)
    : DelegatingEmbeddingGenerator<string, Embedding<float>>(inner)
{
    /// <inheritdoc/>
    public override async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        try
        {
            return await base.GenerateAsync(values, options, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (failure.Describe(ex, cancellationToken) is { } message)
        {
            throw new ModelServerException(message, ex);
        }
    }
}
