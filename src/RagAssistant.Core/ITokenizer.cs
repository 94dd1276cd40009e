using Microsoft.Extensions.AI;

namespace RagAssistant.Core;

/// <summary>
/// A model's tokenizer, as Core uses it: token counts that must fit the model. Register one per model as a keyed
/// singleton: under <see cref="ChatKey"/> the chat model's (the answer prompt is packed in its tokens, within its
/// <see cref="ContextSize"/>), under <see cref="EmbeddingKey"/> the embedding model's (long documents are split into
/// passages it reads whole). Without one, <see cref="ApproximateTokenizer"/> counts conservatively.
/// </summary>
public interface ITokenizer
{
    /// <summary>The DI service key of the chat model's tokenizer.</summary>
    public const string ChatKey = "chat";

    /// <summary>The DI service key of the embedding model's tokenizer.</summary>
    public const string EmbeddingKey = "embedding";

    /// <summary>
    /// The context the model was loaded with, in tokens (prompt and answer together), or null when this tokenizer does
    /// not know it; the answer pipeline then assumes <c>Answering:FallbackContextSize</c>.
    /// </summary>
    int? ContextSize => null;

    /// <summary>Number of tokens <paramref name="text"/> encodes to, without special tokens.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    int CountTokens(string text);

    /// <summary>
    /// Tokens <paramref name="messages"/> take once formatted with the model's chat template (role markers and
    /// special tokens included), or null when unknown; the answer pipeline then adds
    /// <c>Answering:MessageOverheadTokens</c> per message to the text count.
    /// </summary>
    int? CountPromptTokens(IReadOnlyList<ChatMessage> messages) => null;
}
