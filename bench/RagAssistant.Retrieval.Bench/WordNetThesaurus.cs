using System.Globalization;
using System.Text.RegularExpressions;

namespace RagAssistant.Retrieval.Bench;

/// <summary>
/// Synonyms from Princeton WordNet 3.0 (Debian's <c>wordnet-base</c>: <c>/usr/share/wordnet</c>), for measuring query
/// expansion against a reworded question's vocabulary ("a new tongue" for a language). Measured only, never shipped:
/// the product would need the database beside it. Read from the index files (a lemma's synsets, most frequent sense
/// first) and the data files (each synset's lemmas); morphology is WordNet's own "morphy": the exception lists, then
/// its detachment rules.
/// </summary>
internal sealed partial class WordNetThesaurus
{
    private static readonly string[] Parts = ["noun", "verb", "adj", "adv"];

    private static readonly Dictionary<string, (string Suffix, string Ending)[]> Detachments = new(StringComparer.Ordinal)
    {
        ["noun"] = [("s", ""), ("ses", "s"), ("xes", "x"), ("zes", "z"), ("ches", "ch"), ("shes", "sh"), ("men", "man"), ("ies", "y")],
        ["verb"] = [("s", ""), ("ies", "y"), ("es", "e"), ("es", ""), ("ed", "e"), ("ed", ""), ("ing", "e"), ("ing", "")],
        ["adj"] = [("er", ""), ("est", ""), ("er", "e"), ("est", "e")],
        ["adv"] = [],
    };

    // Per part of speech: lemma -> synset offsets, most frequent sense first; offset -> the synset's lemmas.
    private readonly Dictionary<string, Dictionary<string, long[]>> _index = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<long, string[]>> _synsets = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<string, string>> _exceptions = new(StringComparer.Ordinal);

    private WordNetThesaurus()
    {
    }

    /// <summary>The database at <paramref name="folder"/>, or null when it is not installed.</summary>
    public static WordNetThesaurus? TryLoad(string folder = "/usr/share/wordnet")
    {
        if (!File.Exists(Path.Combine(folder, "index.noun")))
        {
            return null;
        }

        var thesaurus = new WordNetThesaurus();
        foreach (var part in Parts)
        {
            var index = new Dictionary<string, long[]>(StringComparer.Ordinal);
            foreach (var line in File.ReadLines(Path.Combine(folder, "index." + part)).Where(l => !l.StartsWith(' ')))
            {
                var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                var synsetCount = int.Parse(f[2], CultureInfo.InvariantCulture);
                index[f[0]] = f.Skip(f.Length - synsetCount).Select(o => long.Parse(o, CultureInfo.InvariantCulture)).ToArray();
            }

            var synsets = new Dictionary<long, string[]>();
            foreach (var line in File.ReadLines(Path.Combine(folder, "data." + part)).Where(l => !l.StartsWith(' ')))
            {
                var f = line.Split(' ', 5 + (2 * 64), StringSplitOptions.RemoveEmptyEntries);
                var words = int.Parse(f[3], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                synsets[long.Parse(f[0], CultureInfo.InvariantCulture)] = Enumerable.Range(0, words).Select(w => Marker().Replace(f[4 + (2 * w)], string.Empty).ToLowerInvariant()).ToArray();
            }

            var exceptions = new Dictionary<string, string>(StringComparer.Ordinal);
            var exc = Path.Combine(folder, part + ".exc");
            if (File.Exists(exc))
            {
                foreach (var f in File.ReadLines(exc).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Where(f => f.Length >= 2))
                {
                    exceptions.TryAdd(f[0], f[1]);
                }
            }

            thesaurus._index[part] = index;
            thesaurus._synsets[part] = synsets;
            thesaurus._exceptions[part] = exceptions;
        }

        return thesaurus;
    }

    /// <summary>
    /// The synonyms of <paramref name="words"/> (lower case, in question order): each word and each run of two or three
    /// words ("thousand million") looked up in every part of speech, its first <paramref name="senses"/> senses
    /// (0: all), their other single-word lemmas. A single word is looked up only when <paramref name="isTopicWord"/>
    /// says so (a stop word's senses are noise: "one" is an "ace").
    /// </summary>
    public IReadOnlyList<string> Synonyms(IReadOnlyList<string> words, int senses, Func<string, bool> isTopicWord)
    {
        var found = new List<string>();
        var seen = new HashSet<string>(words, StringComparer.Ordinal);
        for (var length = 1; length <= 3; length++)
        {
            for (var start = 0; start + length <= words.Count; start++)
            {
                var phrase = string.Join('_', words.Skip(start).Take(length));
                if (length == 1 && !isTopicWord(phrase))
                {
                    continue;
                }

                foreach (var part in Parts)
                {
                    foreach (var lemma in BaseForms(phrase, part))
                    {
                        var offsets = _index[part][lemma];
                        foreach (var offset in senses > 0 ? offsets.Take(senses) : offsets)
                        {
                            foreach (var synonym in _synsets[part][offset].Where(s => !s.Contains('_', StringComparison.Ordinal) && seen.Add(s)))
                            {
                                found.Add(synonym);
                            }
                        }
                    }
                }
            }
        }

        return found;
    }

    private IEnumerable<string> BaseForms(string word, string part)
    {
        var index = _index[part];
        if (_exceptions[part].TryGetValue(word, out var irregular) && index.ContainsKey(irregular))
        {
            yield return irregular;
            yield break;
        }

        if (index.ContainsKey(word))
        {
            yield return word;
            yield break;
        }

        foreach (var (suffix, ending) in Detachments[part])
        {
            if (word.EndsWith(suffix, StringComparison.Ordinal) && word.Length > suffix.Length + 1)
            {
                var stem = word[..^suffix.Length] + ending;
                if (index.ContainsKey(stem))
                {
                    yield return stem;
                    yield break;
                }
            }
        }
    }

    [GeneratedRegex(@"\([a-z]+\)$")]
    private static partial Regex Marker();
}
