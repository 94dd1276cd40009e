using System.Text.RegularExpressions;

namespace RagAssistant.Core.Retrieval;

/// <summary>
/// Removes chat-template and tokenizer control tokens (<c>&lt;/s&gt;</c>, <c>&lt;|im_end|&gt;</c>, <c>[INST]</c>,
/// <c>&lt;&lt;SYS&gt;&gt;</c>, other tag-like markup) from a query before it is searched. They carry no topic, yet the
/// analyser turns them into words no passage contains ("s", "im", "inst"), which weigh the most in the relevance
/// coverage: a question padded with them would fall below the "not covered" gate, and their embedding drifts too.
/// </summary>
internal static partial class ControlTokens
{
    /// <summary><paramref name="query"/> without control tokens, whitespace collapsed where they stood.</summary>
    /// <param name="query">A question or search text.</param>
    /// <returns>The text to search; empty when it held nothing but control tokens.</returns>
    public static string Remove(string query) =>
        ControlTokenPattern().IsMatch(query) ? Spaces().Replace(ControlTokenPattern().Replace(query, " "), " ").Trim() : query;

    // <|name|> (ChatML, Llama 3); <tag>, </tag>, <<SYS>> (SentencePiece, Gemma, Llama 2, HTML); [INST] and BERT's
    // bracketed specials. A "<" or "[" followed by a space ("x < y") is not a tag.
    [GeneratedRegex(@"<\|[^<>|\s]{1,64}\|>|<{1,2}/?[a-z_][a-z0-9_.:\-]{0,40}>{1,2}|\[/?(?:INST|CLS|SEP|PAD|MASK|UNK|BOS|EOS)\]", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ControlTokenPattern();

    [GeneratedRegex(@"\s{2,}")]
    private static partial Regex Spaces();
}
