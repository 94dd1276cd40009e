using Lucene.Net.Analysis;
using Lucene.Net.Analysis.Core;
using Lucene.Net.Analysis.En;
using Lucene.Net.Analysis.Miscellaneous;
using Lucene.Net.Analysis.Standard;
using Lucene.Net.Analysis.Util;
using Lucene.Net.Util;

namespace RagAssistant.Core.Retrieval;

/// <summary>
/// BM25's analysis chain: Lucene's <see cref="EnglishAnalyzer"/> (or, without stemming, its
/// <see cref="StandardAnalyzer"/>) with accents folded to ASCII after lower-casing. A note that writes "naïve", "Zürich"
/// or "résumé" and a question that writes "naive", "Zurich" or "resume" (or the other way round) meet on one term, and
/// <see cref="UnknownNames"/> does not report "Zurich" as a name no paper uses. Other scripts pass through unchanged.
/// A versioned name ("GPT-2", "Llama 3") is also one term (<see cref="VersionedNameFilter"/>).
/// </summary>
internal sealed class Bm25Analyzer(LuceneVersion version, CharArraySet stopWords, bool stemming) : Analyzer
{
    /// <inheritdoc/>
    protected override TokenStreamComponents CreateComponents(string fieldName, TextReader reader)
    {
        var source = new StandardTokenizer(version, reader);
        TokenStream result = new StandardFilter(version, source);
        result = new VersionedNameFilter(result, stopWords);
        if (stemming)
        {
            result = new EnglishPossessiveFilter(version, result);
        }

        result = new LowerCaseFilter(version, result);
        result = new ASCIIFoldingFilter(result);
        result = new StopFilter(version, result, stopWords);
        if (stemming)
        {
            result = new PorterStemFilter(result);
        }

        return new TokenStreamComponents(source, result);
    }
}
