using System.Text;
using System.Text.RegularExpressions;

namespace RagAssistant.Core.Retrieval;

/// <summary>
/// Compound names spelled as the corpus spells them. People split what papers join ("Hugging Face", "Baby LM",
/// "Math Vista" for HuggingFace, BabyLM, MathVista) and join what papers split ("FlashAttention" where the papers
/// write "Flash Attention"). The analyser makes a different term of each spelling, so BM25 missed the paper and
/// <see cref="UnknownNames"/> reported a name the corpus has ("no paper in it mentions Hugging").
/// </summary>
/// <remarks>
/// Only a spelling the corpus does not use is changed, so a question already worded as the papers are searches as
/// before:
/// <list type="bullet">
/// <item>two adjacent words, apart by one space or hyphen, each a topic word of two or more characters, that no title
/// or passage holds side by side, are joined when the joined word is a term of the corpus;</item>
/// <item>a word no title or passage holds is split where its case changes ("FlashAttention", "RAGFusion") when the
/// corpus holds the parts side by side;</item>
/// <item>a model's name typed in lower case before its version ("gpt-2", "llama 3") is capitalised when the corpus
/// has that versioned name ("gpt2", "llama3"), so the analyser joins it as it joins "GPT-2" (<see cref="VersionedNameFilter"/>
/// reads a name by its capital, and cannot tell at index time which lower-case words are names).</item>
/// </list>
/// A split that only stop words or single letters would make ("FActScore" into "F Act Score") is never taken.
/// </remarks>
public static partial class CompoundWords
{
    /// <summary><paramref name="text"/> with its compound names spelled as <paramref name="bm25"/>'s corpus spells them.</summary>
    /// <param name="bm25">The index whose terms and phrases say how the corpus spells a name.</param>
    /// <param name="text">A question or its context, as the user wrote it.</param>
    /// <returns>The respelled text and the ranges of <paramref name="text"/> that changed; the text itself when none did.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="bm25"/> or <paramref name="text"/> is null.</exception>
    public static CompoundRespelling Respell(Bm25Index bm25, string text)
    {
        ArgumentNullException.ThrowIfNull(bm25);
        ArgumentNullException.ThrowIfNull(text);

        // One search reads its question several times (BM25's terms, the names, the words no paper uses): the last
        // respelling is kept on the index.
        if (bm25.LastRespelling is { } last && string.Equals(last.Original, text, StringComparison.Ordinal))
        {
            return last;
        }

        var respelling = Compute(bm25, text);
        bm25.LastRespelling = respelling;
        return respelling;
    }

    private static CompoundRespelling Compute(Bm25Index bm25, string text)
    {
        var words = UnknownNames.Word().Matches(text);
        var terms = words.Select(w => TopicTerm(bm25, w.Value)).ToArray();
        var versioned = LowerCaseVersionedNames(bm25, text);
        var changes = new List<CompoundSpelling>();
        for (var i = 0; i < words.Count; i++)
        {
            var word = words[i];
            if (versioned.TryGetValue(word.Index, out var capitalised))
            {
                changes.Add(capitalised);
            }
            else if (i + 1 < words.Count && terms[i] is { } a && terms[i + 1] is { } b && Joined(bm25, text, word, words[i + 1], a, b) is { } joined)
            {
                changes.Add(new CompoundSpelling(word.Index, words[i + 1].Index + words[i + 1].Length - word.Index, joined));
                i++;
            }
            else if (terms[i] is { } term && bm25.DocumentFrequency(term) == 0 && Split(bm25, word.Value) is { } split)
            {
                changes.Add(new CompoundSpelling(word.Index, word.Length, split));
            }
        }

        if (changes.Count == 0)
        {
            return new CompoundRespelling(text, text, []);
        }

        var respelled = new StringBuilder(text.Length);
        var at = 0;
        foreach (var change in changes)
        {
            respelled.Append(text, at, change.Start - at).Append(change.Replacement);
            at = change.Start + change.Length;
        }

        return new CompoundRespelling(text, respelled.Append(text, at, text.Length - at).ToString(), changes);
    }

    // "gpt-2" -> "Gpt-2": a name of lower-case letters before a version, when the corpus has the joined term ("gpt2");
    // a version no paper has ("gpt-5") is left to UnknownNames, and words such as "top 5" join nothing the corpus holds.
    private static Dictionary<int, CompoundSpelling> LowerCaseVersionedNames(Bm25Index bm25, string text)
    {
        var found = new Dictionary<int, CompoundSpelling>();
        foreach (Match match in UnknownNames.VersionedName().Matches(text))
        {
            var name = match.Groups["name"];
            if (name.Value.All(char.IsLower) &&
                string.Concat(char.ToUpperInvariant(name.Value[0]).ToString(), name.Value.AsSpan(1)) is var capitalised &&
                bm25.VersionedNameTerm(capitalised, match.Groups["version"].Value) is { } term &&
                bm25.DocumentFrequency(term) > 0)
            {
                found[name.Index] = new CompoundSpelling(name.Index, name.Length, capitalised);
            }
        }

        return found;
    }

    // "Hugging Face" -> "HuggingFace": the pair (topic terms a and b) apart by one space or hyphen, never side by side
    // in the corpus, and joined a corpus term.
    private static string? Joined(Bm25Index bm25, string text, Match first, Match second, string a, string b)
    {
        if (second.Index - first.Index - first.Length != 1 || text[first.Index + first.Length] is not (' ' or '-'))
        {
            return null;
        }

        var joined = first.Value + second.Value;
        return TopicTerm(bm25, joined) is { } term && bm25.DocumentFrequency(term) > 0 && !bm25.ContainsPhrase([a, b]) ? joined : null;
    }

    // "FlashAttention" -> "Flash Attention": a word the corpus lacks, split where its case changes into topic words the
    // corpus holds side by side.
    private static string? Split(Bm25Index bm25, string word)
    {
        if (!word.Skip(1).Any(char.IsUpper))
        {
            return null;
        }

        var parts = CaseChange().Split(word);
        if (parts.Length < 2)
        {
            return null;
        }

        var terms = new List<string>(parts.Length);
        foreach (var part in parts)
        {
            if (TopicTerm(bm25, part) is not { } partTerm)
            {
                return null;
            }

            terms.Add(partTerm);
        }

        return bm25.ContainsPhrase(terms) ? string.Join(' ', parts) : null;
    }

    // The word's one analysed term when it is a topic word of two or more characters; null for a stop or question
    // word, a single letter, or a word the analyser splits.
    private static string? TopicTerm(Bm25Index bm25, string word) =>
        word.Length >= 2 && bm25.Analyze(word) is [var term] && !bm25.IsQuestionWord(term) ? term : null;

    // Between a lower-case letter and a capital ("Flash|Attention"), and before the last capital of a run followed by
    // a lower-case letter ("RAG|Fusion").
    [GeneratedRegex(@"(?<=\p{Ll})(?=\p{Lu})|(?<=\p{Lu})(?=\p{Lu}\p{Ll})", RegexOptions.CultureInvariant)]
    private static partial Regex CaseChange();
}

/// <summary>A text with its compound names spelled as the corpus spells them (<see cref="CompoundWords.Respell"/>).</summary>
/// <param name="Original">The text as written.</param>
/// <param name="Text">The respelled text; the original where nothing changed.</param>
/// <param name="Changes">What changed, in text order, as ranges of the original text.</param>
public sealed record CompoundRespelling(string Original, string Text, IReadOnlyList<CompoundSpelling> Changes)
{
    /// <summary>The change covering position <paramref name="index"/> of the original text, or null.</summary>
    public CompoundSpelling? At(int index) =>
        Changes.Select(c => (CompoundSpelling?)c).FirstOrDefault(c => index >= c!.Value.Start && index < c.Value.Start + c.Value.Length);
}

/// <summary>One respelled compound: <paramref name="Length"/> characters at <paramref name="Start"/> of the original text, written <paramref name="Replacement"/>.</summary>
/// <param name="Start">Position in the original text (UTF-16 code units).</param>
/// <param name="Length">Characters of the original replaced.</param>
/// <param name="Replacement">The corpus's spelling ("HuggingFace", "Flash Attention").</param>
public readonly record struct CompoundSpelling(int Start, int Length, string Replacement);
