using Lucene.Net.Analysis;
using Lucene.Net.Analysis.TokenAttributes;
using Lucene.Net.Analysis.Util;

namespace RagAssistant.Core.Retrieval;

/// <summary>
/// Gives a model's versioned name the same terms however it is written: "GPT-2", "GPT 2" and "GPT2" all index "gpt",
/// "2" and the joined "gpt2" (stacked at one position), as do "Llama-3", "LLaMA 3" and "Llama3" "llama", "3" and
/// "llama3", and "MATH-500" "math500". The standard tokenizer splits "GPT-2" into "gpt" and "2", terms that dozens of abstracts share ("GPT-4",
/// "2 billion"), so "Which papers use GPT-2?" ranked papers on GPT-4 above the ones on GPT-2, and a question about a
/// version no paper has ("GPT-5") could not be told from one about a version they do.
/// </summary>
/// <remarks>
/// A name is a word of letters only, written with a capital (so "top 5" or "over 100" join nothing), that is not a
/// stop word; a version is the next token, at most one character after it, that begins with a digit and is at most
/// <see cref="MaxVersionLength"/> characters long ("2", "3.5", "4o", "7B", "405B"), and is not a year ("In 2023").
/// The parts stay terms of their own, so "Which papers use GPT models?" still finds every GPT, "GPT2" included.
/// </remarks>
internal sealed class VersionedNameFilter : TokenFilter
{
    /// <summary>The longest version token joined to a name, in characters.</summary>
    internal const int MaxVersionLength = 6;

    private readonly ICharTermAttribute _term;
    private readonly IOffsetAttribute _offset;
    private readonly IPositionIncrementAttribute _position;
    private readonly CharArraySet _stopWords;
    private string? _name;
    private int _nameEnd;
    private readonly Queue<string> _pending = new();
    private State? _pendingState;

    /// <summary>Wraps <paramref name="input"/>, whose tokens are not yet lower-cased (a name's capital is read).</summary>
    /// <param name="input">The tokenizer's stream.</param>
    /// <param name="stopWords">Words never read as names (compared ignoring case).</param>
    public VersionedNameFilter(TokenStream input, CharArraySet stopWords)
        : base(input)
    {
        _term = AddAttribute<ICharTermAttribute>();
        _offset = AddAttribute<IOffsetAttribute>();
        _position = AddAttribute<IPositionIncrementAttribute>();
        _stopWords = stopWords;
    }

    /// <summary>Whether <paramref name="name"/> followed by <paramref name="version"/> is indexed as one term too.</summary>
    /// <param name="name">A word as written ("GPT", "Llama").</param>
    /// <param name="version">The word after it as written ("2", "3.5", "7B").</param>
    /// <param name="stopWords">Words never read as names.</param>
    /// <returns>True for a versioned name; the joined term is the two written side by side.</returns>
    internal static bool Joins(string name, string version, CharArraySet stopWords) =>
        IsName(name, stopWords) && IsVersion(version);

    /// <inheritdoc/>
    public override bool IncrementToken()
    {
        if (_pending.TryDequeue(out var stacked))
        {
            RestoreState(_pendingState);
            _term.SetEmpty().Append(stacked);
            _position.PositionIncrement = 0;
            return true;
        }

        if (!m_input.IncrementToken())
        {
            return false;
        }

        var text = _term.ToString();
        if (_name is not null && _offset.StartOffset - _nameEnd <= 1 && IsVersion(text))
        {
            // "GPT-2": the tokenizer gave "GPT" and "2"; the joined name follows them.
            _pending.Enqueue(_name + text);
        }
        else if (text.AsSpan().IndexOfAnyInRange('0', '9') is > 0 and var digit && IsName(text[..digit], _stopWords) && IsVersion(text[digit..]))
        {
            // "GPT2": the tokenizer kept it whole; its parts follow it, as "GPT-2" gives them.
            _pending.Enqueue(text[..digit]);
            _pending.Enqueue(text[digit..]);
        }

        if (_pending.Count > 0)
        {
            _pendingState = CaptureState();
        }

        _name = IsName(text, _stopWords) ? text : null;
        _nameEnd = _offset.EndOffset;
        return true;
    }

    /// <inheritdoc/>
    public override void Reset()
    {
        base.Reset();
        _name = null;
        _pending.Clear();
        _pendingState = null;
    }

    // The stop set may be case-sensitive and a name is read as written, so it is looked up lower-cased too.
    private static bool IsName(string word, CharArraySet stopWords) =>
        word.Length >= 2 && word.All(char.IsLetter) && word.Any(char.IsUpper) && !stopWords.Contains(word) && !stopWords.Contains(word.ToLowerInvariant());

    private static bool IsVersion(string token) =>
        token.Length is > 0 and <= MaxVersionLength && char.IsAsciiDigit(token[0]) &&
        !(token.Length == 4 && token.All(char.IsAsciiDigit) && token[..2] is "19" or "20");
}
