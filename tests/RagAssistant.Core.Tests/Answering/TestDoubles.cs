using Microsoft.Extensions.AI;
using RagAssistant.Core.Answering;
using RagAssistant.Core.Ingestion;
using RagAssistant.Core.Retrieval;

namespace RagAssistant.Core.Tests.Answering;

/// <summary>
/// A tokenizer counting one token per word and per punctuation mark, with a chosen context size; with
/// <paramref name="templateTokensPerMessage"/> it also counts a chat template's tokens exactly, as a runtime would.
/// </summary>
internal sealed class WordTokenizer(int contextSize, int? templateTokensPerMessage = null) : ITokenizer
{
    public int? ContextSize { get; } = contextSize;

    public int? CountPromptTokens(IReadOnlyList<ChatMessage> messages) =>
        templateTokensPerMessage is { } perMessage ? messages.Sum(m => CountTokens(m.Text) + perMessage) : null;

    public int CountTokens(string text)
    {
        var count = 0;
        var inWord = false;
        foreach (var c in text)
        {
            if (char.IsLetterOrDigit(c))
            {
                count += inWord ? 0 : 1;
                inWord = true;
            }
            else
            {
                count += char.IsWhiteSpace(c) ? 0 : 1;
                inWord = false;
            }
        }

        return count;
    }
}
