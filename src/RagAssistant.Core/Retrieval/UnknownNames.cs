using System.Text.RegularExpressions;

namespace RagAssistant.Core.Retrieval;

/// <summary>
/// The names a question uses that the corpus never does. A word is written as a name when it has two or more capital
/// letters ("COBOL", "SVG", "FActScore", "AdamW"), or begins with a capital inside a sentence ("... such as
/// Spider?", "... the capital of France?"); it is unknown when no passage or title of the index holds its analysed
/// term, however it is split or joined (<see cref="CompoundWords"/>: "Hugging Face" is the corpus's "HuggingFace").
/// A question about a benchmark, tool, place or person the papers never mention is not covered, however close
/// its other words come: "What execution accuracy do LLMs reach on benchmarks such as Spider?" shares most of its
/// words with text-to-SQL papers, and "the capital of France" stood close to a sentence about "(USA, capital,
/// Washington D.C.)".
/// </summary>
/// <remarks>
/// Casing is read only where it can say something: a question written mostly in capitals names nothing by its
/// capitals, and one in title case (more than half of its words inside the sentence capitalised) names
/// nothing by an initial capital (its words with two or more capitals are still checked). A versioned name is checked
/// as the one term the corpus indexes it by, however either writes it apart (<see cref="VersionedNameFilter"/>: "GPT-5",
/// "GPT 5" and "GPT5" are "gpt5"), so a version no paper has of a model the papers name by versions is a name no paper
/// uses. Other words with digits ("8-bit", "7B", "INT8" where no paper versions INT) are sizes and types, worded in
/// many ways, and never names here; nor are words of one letter, stop and question words. The first word of each sentence (after the start, or after <c>. ? ! : ;</c> or a line break) is capitalised
/// anyway and is not a name unless it has two capitals.
/// </remarks>
public static partial class UnknownNames
{
    /// <summary>The words of <paramref name="question"/> written as names that <paramref name="bm25"/>'s corpus never uses.</summary>
    /// <param name="bm25">The index whose document frequencies say what the corpus holds.</param>
    /// <param name="question">The question as the user wrote it (its casing is read).</param>
    /// <returns>
    /// The unknown names, distinct, in question order, as written; a name of several words side by side ("World Cup",
    /// "Mount Everest") whole when any of its words is unknown. Empty when there are none.
    /// </returns>
    /// <exception cref="ArgumentNullException"><paramref name="bm25"/> or <paramref name="question"/> is null.</exception>
    public static IReadOnlyList<string> Find(Bm25Index bm25, string question)
    {
        ArgumentNullException.ThrowIfNull(bm25);
        ArgumentNullException.ThrowIfNull(question);
        var respelled = CompoundWords.Respell(bm25, question);
        var names = NameWords(question);
        var spans = new List<(int Start, int End)>();
        foreach (var (value, index) in names.Where(word => respelled.At(word.Index) is null && IsUnused(bm25, word.Value)))
        {
            // "no paper in it mentions Cup" would say less than "World Cup": the name's neighbours apart by one space
            // or hyphen that are names too belong to it.
            var (start, end) = (index, index + value.Length);
            while (names.FirstOrDefault(n => n.Index + n.Value.Length == start - 1 && question[start - 1] is ' ' or '-') is { Value: not null } left)
            {
                start = left.Index;
            }

            while (names.FirstOrDefault(n => n.Index == end + 1 && question[end] is ' ' or '-') is { Value: not null } right)
            {
                end = right.Index + right.Value.Length;
            }

            spans.Add((start, end));
        }

        // A version no paper has of a model the papers name by its versions ("GPT-5" beside their GPT-2 and GPT-4) is a
        // name no paper uses. A name no paper versions ("INT8" where the papers say "8-bit") is left to its words; one
        // the corpus never uses at all is already reported, and is then named whole ("GPT-5", not "GPT").
        foreach (var (version, name, term) in VersionedNames(bm25, question))
        {
            if (bm25.DocumentFrequency(term) == 0 &&
                (bm25.HasVersionsOf(name) || spans.Any(s => s.Start <= version.Index && s.End >= version.Index + name.Length)))
            {
                spans.Add((version.Index, version.Index + version.Length));
            }
        }

        var found = new List<string>();
        foreach (var (start, end) in spans.Where(s => !spans.Any(o => o != s && o.Start <= s.Start && o.End >= s.End && o.End - o.Start > s.End - s.Start)).OrderBy(s => s.Start))
        {
            var name = question[start..end];
            if (!found.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                found.Add(name);
            }
        }

        return found;
    }

    /// <summary>
    /// The analysed terms of the words <paramref name="question"/> writes as names that the corpus does use ("GPT",
    /// "RLHF", "Llama"), and of its words in any casing that the corpus writes as acronyms ("rlhf", "dpo":
    /// <see cref="Bm25Index.IsWrittenAsName"/>).
    /// </summary>
    /// <param name="bm25">The index whose document frequencies say what the corpus holds.</param>
    /// <param name="question">The question as the user wrote it (its casing is read).</param>
    /// <returns>The terms, distinct; empty when the question names nothing the corpus has.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="bm25"/> or <paramref name="question"/> is null.</exception>
    public static IReadOnlyList<string> KnownTerms(Bm25Index bm25, string question)
    {
        ArgumentNullException.ThrowIfNull(bm25);
        ArgumentNullException.ThrowIfNull(question);
        var respelled = CompoundWords.Respell(bm25, question);
        var written = NameWords(question).SelectMany(word => bm25.Analyze(respelled.At(word.Index)?.Replacement ?? word.Value));

        // An acronym typed in lower case ("does rlhf reduce toxicity?") is still a name when the papers write it in
        // capitals, and a versioned name the papers have ("Qwen3", "gpt-4") is one whatever its casing.
        var typed = Word().Matches(question).SelectMany(word => bm25.Analyze(word.Value)).Where(bm25.IsWrittenAsName);
        var versions = VersionedNames(bm25, question).Select(v => v.Term);
        return [.. written.Concat(typed).Concat(versions).Where(t => !bm25.IsQuestionWord(t) && bm25.DocumentFrequency(t) > 0).Distinct(StringComparer.Ordinal)];
    }

    // The versioned names of a question ("GPT-5", "Qwen3") with the one term the index gives each. An acronym typed in
    // lower case ("gpt-5") is read in the papers' capitals (Bm25Index.IsWrittenAsName); other lower-case words are not
    // names ("top 5").
    private static IEnumerable<(Match Version, string Name, string Term)> VersionedNames(Bm25Index bm25, string question)
    {
        foreach (Match version in VersionedName().Matches(question))
        {
            var name = version.Groups["name"].Value;
            var asName = !name.Any(char.IsUpper) && bm25.Analyze(name) is [var lower] && bm25.IsWrittenAsName(lower) ? name.ToUpperInvariant() : name;
            if (bm25.VersionedNameTerm(asName, version.Groups["version"].Value) is { } term)
            {
                yield return (version, name, term);
            }
        }
    }

    /// <summary>
    /// The topic words of <paramref name="question"/> that no paper uses, whatever their casing: why a question is not
    /// covered, in its own words ("no paper in it uses bake or bread"), and where a typo shows ("decodng").
    /// </summary>
    /// <param name="bm25">The index whose document frequencies say what the corpus holds.</param>
    /// <param name="question">The question as the user wrote it.</param>
    /// <returns>The words, distinct (ignoring case), in question order, as written; never stop or question words, words of
    /// one letter or with digits, or a name the corpus spells otherwise (<see cref="CompoundWords"/>).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="bm25"/> or <paramref name="question"/> is null.</exception>
    public static IReadOnlyList<string> UnusedWords(Bm25Index bm25, string question)
    {
        ArgumentNullException.ThrowIfNull(bm25);
        ArgumentNullException.ThrowIfNull(question);
        var respelled = CompoundWords.Respell(bm25, question);
        var words = new List<string>();
        foreach (var word in Word().Matches(question).Where(m => m.Length >= 2 && m.Value.Any(char.IsLetter) && !m.Value.Any(char.IsDigit)))
        {
            if (respelled.At(word.Index) is null && IsUnused(bm25, word.Value) && !words.Contains(word.Value, StringComparer.OrdinalIgnoreCase))
            {
                words.Add(word.Value);
            }
        }

        return words;
    }

    // A topic word none of whose analysed terms any passage or title holds.
    private static bool IsUnused(Bm25Index bm25, string word) =>
        bm25.Analyze(word) is { Count: > 0 } terms && terms.All(t => !bm25.IsQuestionWord(t) && bm25.DocumentFrequency(t) == 0);

    // The words written as names, distinct (ignoring case), in question order, with their positions.
    private static List<(string Value, int Index)> NameWords(string question)
    {
        var letters = question.Count(char.IsLetter);
        if (letters == 0 || question.Count(char.IsUpper) * 2 > letters)
        {
            return [];
        }

        var words = Word().Matches(question).Where(m => m.Value.Any(char.IsLetter) && !m.Value.Any(char.IsDigit)).ToList();
        var startsSentence = words.Select((w, i) => i == 0 || SentenceEnd().IsMatch(question.AsSpan(words[i - 1].Index + words[i - 1].Length, w.Index - words[i - 1].Index - words[i - 1].Length))).ToList();

        // Title case capitalises most words inside a sentence ("What Is The Capital Of France?"); plain text leaves
        // most lower-case, names aside ("How tall is Mount Everest?": 2 of 4). Acronyms say nothing either way.
        var plain = words.Where((w, i) => !startsSentence[i] && w.Length >= 2 && w.Value.Count(char.IsUpper) <= 1).ToList();
        var titleCased = plain.Count >= 2 && plain.Count(w => char.IsUpper(w.Value[0])) * 2 > plain.Count;
        var names = new List<(string Value, int Index)>();
        for (var i = 0; i < words.Count; i++)
        {
            var word = words[i].Value;
            var writtenAsName = word.Count(char.IsUpper) >= 2 || (char.IsUpper(word[0]) && !startsSentence[i] && !titleCased);
            if (word.Length >= 2 && writtenAsName && !names.Any(n => string.Equals(n.Value, word, StringComparison.OrdinalIgnoreCase)))
            {
                names.Add((word, words[i].Index));
            }
        }

        return names;
    }

    // Letters and digits, joined by nothing else: "DP-SGD" is "DP" and "SGD", as the analyser splits it. A question's
    // words as CompoundWords reads them too.
    [GeneratedRegex(@"[\p{L}\p{Mn}\p{N}]+", RegexOptions.CultureInvariant)]
    internal static partial Regex Word();

    // A word of letters, then at most a space or hyphen, then a version or size ("GPT-2", "Llama 3", "Qwen2.5", "GPT-4o"):
    // VersionedNameFilter decides which of these are names.
    [GeneratedRegex(@"(?<![\p{L}\p{N}])(?<name>\p{L}+)[- ]?(?<version>\d[\p{L}\p{N}]*(?:\.\d[\p{L}\p{N}]*)*)(?![\p{L}\p{N}])", RegexOptions.CultureInvariant)]
    internal static partial Regex VersionedName();

    [GeneratedRegex(@"[.?!:;\n]", RegexOptions.CultureInvariant)]
    private static partial Regex SentenceEnd();
}
