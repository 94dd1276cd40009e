using Microsoft.Extensions.AI;

namespace RagAssistant.Core.Answering;

/// <summary>
/// The chat model's own tokenizer and context size, so prompts are packed in the tokens the model will really see.
/// Optional: without one, <see cref="ApproximateChatTokenizer"/> is used with <see cref="AnsweringOptions.FallbackContextSize"/>.
/// </summary>
public interface IChatTokenizer
{
    /// <summary>The context size the model was loaded with, in tokens (prompt and answer together).</summary>
    int ContextSize { get; }

    /// <summary>Number of tokens <paramref name="text"/> encodes to, without special tokens.</summary>
    int CountTokens(string text);

    /// <summary>
    /// Tokens <paramref name="messages"/> take once formatted with the model's chat template (role markers and
    /// special tokens included), or null when unknown; the pipeline then adds
    /// <see cref="AnsweringOptions.MessageOverheadTokens"/> per message to the text count.
    /// </summary>
    int? CountPromptTokens(IReadOnlyList<ChatMessage> messages) => null;
}
