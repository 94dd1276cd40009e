using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using RagAssistant.Retrieval.Bench;

var jsonOption = new Option<bool>("--json") { Description = "Print results as JSON." };
var corpusOption = new Option<string?>("--corpus") { Description = "Corpus folder (default: the shipped data/papers)." };
var setOption = new Option<string?>("--set") { Description = "Question set in dev.jsonl format (default: ../shared/eval/dev.jsonl)." };

var variants = new Command("bm25-variants", "Recall of BM25 analysis variants on a question set.") { corpusOption, setOption, jsonOption };
variants.SetAction(async (parse, ct) =>
{
    var set = parse.GetValue(setOption) ?? BenchCorpus.FindDevSet();
    if (set is null)
    {
        Console.Error.WriteLine("No question set: pass --set FILE (dev.jsonl format).");
        return 2;
    }

    var results = await Bm25VariantsBenchmark.RunAsync(BenchCorpus.FindFolder(parse.GetValue(corpusOption)), set, ct);
    if (parse.GetValue(jsonOption))
    {
        Console.WriteLine(JsonSerializer.Serialize(results, JsonDefaults.Indented));
        return 0;
    }

    Console.WriteLine($"{"variant",-58}{"lex R@5",9}{"para R@5",9}{"para R@10",10}{"multi R@5",10}{"all MRR",9}{"sep acc",9}");
    foreach (var r in results)
    {
        static double Get(Bm25VariantResult r, string kind, Func<RagAssistant.Core.Evaluation.RetrievalMetrics, double> f) =>
            r.ByKind.TryGetValue(kind, out var m) ? f(m) : double.NaN;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{r.Variant,-58}{Get(r, "lexical", m => m.RecallAt5),9:F2}{Get(r, "paraphrase", m => m.RecallAt5),9:F2}{Get(r, "paraphrase", m => m.RecallAt10),10:F2}{Get(r, "multi", m => m.RecallAt5),10:F2}{r.Overall.MrrAt10,9:F3}{r.Relevance?.AccuracyAtBestThreshold ?? double.NaN,9:F2}"));
    }

    return 0;
});

var cacheOption = new Option<string?>("--cache") { Description = "Embedding cache folder (default: .cache under the repository)." };
var fusion = new Command("fusion-variants", "Hybrid fusion methods vs BM25 and dense alone, per question kind, with the bundled embedder.") { corpusOption, setOption, cacheOption, jsonOption };
fusion.SetAction(async (parse, ct) =>
{
    var set = parse.GetValue(setOption) ?? BenchCorpus.FindDevSet();
    if (set is null)
    {
        Console.Error.WriteLine("No question set: pass --set FILE (dev.jsonl format).");
        return 2;
    }

    var results = await FusionVariantsBenchmark.RunAsync(BenchCorpus.FindFolder(parse.GetValue(corpusOption)), set, parse.GetValue(cacheOption) ?? BenchCorpus.CacheFolder(), ct);
    if (parse.GetValue(jsonOption))
    {
        Console.WriteLine(JsonSerializer.Serialize(results, JsonDefaults.Indented));
        return 0;
    }

    Console.WriteLine($"{"variant",-52}{"lex R@5",8}{"lex R@10",9}{"lex MRR",8}{"para R@5",9}{"para R@10",10}{"para MRR",9}{"multi R@5",10}{"multi R@10",11}{"multi MRR",10}{"all MRR",8}{"gate",6}");
    foreach (var r in results)
    {
        static string Get(FusionVariantResult r, string kind, Func<RagAssistant.Core.Evaluation.RetrievalMetrics, double> f, int width) =>
            (r.ByKind.TryGetValue(kind, out var m) ? f(m) : double.NaN).ToString("F2", CultureInfo.InvariantCulture).PadLeft(width);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{r.Variant,-52}{Get(r, "lexical", m => m.RecallAt5, 8)}{Get(r, "lexical", m => m.RecallAt10, 9)}{Get(r, "lexical", m => m.MrrAt10, 8)}{Get(r, "paraphrase", m => m.RecallAt5, 9)}{Get(r, "paraphrase", m => m.RecallAt10, 10)}{Get(r, "paraphrase", m => m.MrrAt10, 9)}{Get(r, "multi", m => m.RecallAt5, 10)}{Get(r, "multi", m => m.RecallAt10, 11)}{Get(r, "multi", m => m.MrrAt10, 10)}{r.Overall.MrrAt10,8:F3}{r.Relevance?.AccuracyAtBestThreshold ?? double.NaN,6:F2}"));
    }

    return 0;
});

var gate = new Command("relevance-gate", "Relevance formulas for the \"not covered\" gate: threshold at <= 10% answerable refused, unanswerable caught.") { corpusOption, setOption, cacheOption, jsonOption };
gate.SetAction(async (parse, ct) =>
{
    var set = parse.GetValue(setOption) ?? BenchCorpus.FindDevSet();
    if (set is null)
    {
        Console.Error.WriteLine("No question set: pass --set FILE (dev.jsonl format).");
        return 2;
    }

    var results = await RelevanceGateBenchmark.RunAsync(BenchCorpus.FindFolder(parse.GetValue(corpusOption)), set, parse.GetValue(cacheOption) ?? BenchCorpus.CacheFolder(), ct);
    if (parse.GetValue(jsonOption))
    {
        Console.WriteLine(JsonSerializer.Serialize(results, JsonDefaults.Indented));
        return 0;
    }

    Console.WriteLine($"{"relevance (best of top 5 hybrid hits)",-48}{"threshold",10}{"ans refused",12}{"unans caught",13}{"answerable",16}{"unanswerable",16}");
    foreach (var r in results)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{r.Formula,-48}{r.Threshold,10:F3}{$"{r.AnswerableRefused}/{r.Answerable}",12}{$"{r.UnanswerableCaught}/{r.Unanswerable}",13}{$"{r.AnswerableMin:F2}-{r.AnswerableMax:F2}",16}{$"{r.UnanswerableMin:F2}-{r.UnanswerableMax:F2}",16}"));
    }

    return 0;
});

var eval = new Command("eval", "Evaluates BM25 (default options) on a question set, with per-question detail.") { corpusOption, setOption, jsonOption };
eval.SetAction(async (parse, ct) =>
{
    var set = parse.GetValue(setOption) ?? BenchCorpus.FindDevSet();
    if (set is null)
    {
        Console.Error.WriteLine("No question set: pass --set FILE (dev.jsonl format).");
        return 2;
    }

    var options = new RagAssistant.Core.Retrieval.RetrievalOptions();
    using var index = BenchCorpus.CreateIndex(BenchCorpus.FindFolder(parse.GetValue(corpusOption)), Path.GetTempPath(), options, generator: null);
    var retriever = new RagAssistant.Core.Retrieval.HybridPaperRetriever(index, Microsoft.Extensions.Options.Options.Create(options));
    var report = await new RagAssistant.Core.Evaluation.RetrievalEvaluator(retriever, index, index).EvaluateAsync(set, RagAssistant.Core.Retrieval.RetrieverKind.Bm25, ct);
    if (parse.GetValue(jsonOption))
    {
        Console.WriteLine(report.ToJson());
        return 0;
    }

    Console.Write(report.ToTable());
    foreach (var q in report.Questions)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{q.Id} {q.Kind,-12} rel {q.TopRelevance:F3} ranks [{string.Join(",", q.GoldRanks.Select(r => r?.ToString(CultureInfo.InvariantCulture) ?? "-"))}] top: {(q.TopTitles.Count > 0 ? q.TopTitles[0] : null)}"));
    }

    return 0;
});

var roundsOption = new Option<int>("--rounds") { Description = "Passes over the questions per retriever.", DefaultValueFactory = _ => 20 };
var latency = new Command("latency", "Query latency p50/p99 over the corpus (query embedding excluded) and warm-cache index build time.") { corpusOption, setOption, roundsOption, jsonOption };
latency.SetAction(async (parse, ct) =>
{
    var report = await LatencyBenchmark.RunAsync(BenchCorpus.FindFolder(parse.GetValue(corpusOption)), parse.GetValue(setOption) ?? BenchCorpus.FindDevSet(), parse.GetValue(roundsOption), ct);
    if (parse.GetValue(jsonOption))
    {
        Console.WriteLine(JsonSerializer.Serialize(report, JsonDefaults.Indented));
        return 0;
    }

    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Corpus: {report.Corpus.Papers} papers, {report.Corpus.Passages} passages, {report.Corpus.Dimensions}-dim vectors"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Index build: cold (embedding at no cost) {report.ColdBuildMs:F0} ms; warm cache p50 {report.WarmBuild.P50Ms:F0} ms, max {report.WarmBuild.MaxMs:F0} ms"));
    foreach (var (kind, summary) in report.Query)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{kind,-7} query: p50 {summary.P50Ms:F3} ms  p99 {summary.P99Ms:F3} ms  mean {summary.MeanMs:F3} ms  ({summary.Samples} queries)"));
    }

    return 0;
});

var longQuestions = new Command("long-questions", "BM25 search time for questions of hundreds to thousands of distinct terms.") { corpusOption, roundsOption, jsonOption };
longQuestions.SetAction(async (parse, ct) =>
{
    var results = await LongQuestionBenchmark.RunAsync(BenchCorpus.FindFolder(parse.GetValue(corpusOption)), parse.GetValue(roundsOption), ct);
    if (parse.GetValue(jsonOption))
    {
        Console.WriteLine(JsonSerializer.Serialize(results, JsonDefaults.Indented));
        return 0;
    }

    Console.WriteLine($"{"question",-36}{"chars",7}{"terms",7}{"in corpus",10}{"cap",6}{"p50 ms",9}{"p99 ms",9}");
    foreach (var r in results)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{r.Question,-36}{r.Chars,7}{r.DistinctTerms,7}{r.TermsInCorpus,10}{r.MaxQueryTerms,6}{r.Search.P50Ms,9:F2}{r.Search.P99Ms,9:F2}"));
    }

    return 0;
});

var repeatOption = new Option<int>("--repeat") { Description = "Throughput runs of each loop (best is kept).", DefaultValueFactory = _ => 2 };
var embedding = new Command("embedding", "Bundled embedder: indexing throughput vs the package's own encode loop, build cold/warm, query-embedding and search latency.") { corpusOption, setOption, roundsOption, repeatOption, jsonOption };
embedding.SetAction(async (parse, ct) =>
{
    var r = await EmbeddingBenchmark.RunAsync(BenchCorpus.FindFolder(parse.GetValue(corpusOption)), parse.GetValue(setOption) ?? BenchCorpus.FindDevSet(), parse.GetValue(roundsOption), parse.GetValue(repeatOption), ct);
    if (parse.GetValue(jsonOption))
    {
        Console.WriteLine(JsonSerializer.Serialize(r, JsonDefaults.Indented));
        return 0;
    }

    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{r.Passages} passages, {r.Threads} ONNX Runtime threads, {r.BatchTexts} texts per batch"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Throughput: package encode loop {r.PackagePassagesPerSecond:F1} passages/s, product indexing path {r.ProductPassagesPerSecond:F1} passages/s, ratio {r.Ratio:F3}"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Index build: cold to hybrid-ready p50 {r.ColdBuild.P50Ms:F0} ms (max {r.ColdBuild.MaxMs:F0}), to every vector ({r.Sentences} source sentences, then the second dense retriever's passages and token vectors) p50 {r.ColdSentences.P50Ms:F0} ms; warm p50 {r.WarmBuild.P50Ms:F0} ms (max {r.WarmBuild.MaxMs:F0} ms)"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Query embedding: arctic-embed-xs p50 {r.QueryEmbedding.P50Ms:F2} ms  p99 {r.QueryEmbedding.P99Ms:F2} ms; all-MiniLM-L6-v2 (second dense) p50 {r.SecondQueryEmbedding.P50Ms:F2} ms  p99 {r.SecondQueryEmbedding.P99Ms:F2} ms  ({r.QueryEmbedding.Samples} queries)"));
    foreach (var (kind, summary) in r.Search)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{kind} search end to end: p50 {summary.P50Ms:F2} ms  p99 {summary.P99Ms:F2} ms"));
    }

    return 0;
});

var sizesOption = new Option<int[]>("--sizes") { Description = "Numbers of random vectors.", DefaultValueFactory = _ => [10_000, 100_000, 1_000_000], AllowMultipleArgumentsPerToken = true };
var dimensionsOption = new Option<int>("--dimensions") { Description = "Vector dimension (bge-small: 384).", DefaultValueFactory = _ => 384 };
var queriesOption = new Option<int>("--queries") { Description = "Queries per size.", DefaultValueFactory = _ => 50 };
var scaling = new Command("scaling", "Exact search time for growing numbers of random vectors.") { sizesOption, dimensionsOption, queriesOption, jsonOption };
scaling.SetAction(parse =>
{
    var results = ScalingBenchmark.Run(parse.GetValue(sizesOption)!, parse.GetValue(dimensionsOption), parse.GetValue(queriesOption), top: 10);
    if (parse.GetValue(jsonOption))
    {
        Console.WriteLine(JsonSerializer.Serialize(results, JsonDefaults.Indented));
        return 0;
    }

    foreach (var r in results)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{r.Vectors,9:N0} x {r.Dimensions}: {r.VectorMemoryMb,7:F1} MB, insert {r.InsertMs,8:F0} ms, search top-10 p50 {r.Search.P50Ms,8:F2} ms  p99 {r.Search.P99Ms,8:F2} ms"));
    }

    return 0;
});


var setsOption = new Option<string[]>("--sets") { Description = "Question sets pooled for cross-validation (default: ../shared/eval/dev.jsonl, data/eval/heldout.jsonl, data/eval/reworded.jsonl and data/eval/offtopic.jsonl).", AllowMultipleArgumentsPerToken = true };
var foldsOption = new Option<int>("--folds") { Description = "Folds (stratified by set and kind).", DefaultValueFactory = _ => 5 };
var crossValidate = new Command("cross-validate", "Chooses the first-stage ranking by k-fold cross-validation over the pooled question sets; per-fold choice and test scores.") { corpusOption, setsOption, cacheOption, foldsOption, jsonOption };
crossValidate.SetAction(async (parse, ct) =>
{
    var sets = parse.GetValue(setsOption) is { Length: > 0 } given ? given : new[] { BenchCorpus.FindDevSet(), BenchCorpus.FindHeldOutSet(), BenchCorpus.FindRewordedSet(), BenchCorpus.FindOffTopicSet() }.OfType<string>().ToArray();
    var r = await CrossValidationBenchmark.RunAsync(BenchCorpus.FindFolder(parse.GetValue(corpusOption)), sets, parse.GetValue(cacheOption) ?? BenchCorpus.CacheFolder(), parse.GetValue(foldsOption), ct);
    if (parse.GetValue(jsonOption))
    {
        Console.WriteLine(JsonSerializer.Serialize(r, JsonDefaults.Indented));
        return 0;
    }

    static string M(Metric m) => string.Create(CultureInfo.InvariantCulture, $"para R@5 {m.ParaphraseR5:F2} para R@10 {m.ParaphraseR10:F2} R@5 {m.R5:F2} R@10 {m.R10:F2} MRR@10 {m.Mrr10:F3} (n={m.Questions})");
    Console.WriteLine($"{r.Questions} questions ({r.Answerable} answerable), {r.Folds} folds, {r.Configurations} configurations");
    foreach (var f in r.FoldResults)
    {
        Console.WriteLine($"fold {f.Fold}: chose [{f.Chosen}]  test: {M(f.Test)}");
    }

    Console.WriteLine($"mean of folds: {M(r.MeanTest)}");
    Console.WriteLine($"MRR@10 fold spread: {r.FoldResults.Min(f => f.Test.Mrr10):F3}..{r.FoldResults.Max(f => f.Test.Mrr10):F3}; para R@5 {r.FoldResults.Min(f => f.Test.ParaphraseR5):F2}..{r.FoldResults.Max(f => f.Test.ParaphraseR5):F2}");
    Console.WriteLine($"chosen on all folds: [{r.Chosen}]");
    Console.WriteLine("the shipped fusion's second dense weight (Retrieval:SecondDenseWeight; BM25 and arctic at 1), chosen per fold:");
    foreach (var f in r.SecondDenseWeight)
    {
        Console.WriteLine($"  fold {f.Fold}: [{f.Chosen}]  test: {M(f.Test)}");
    }

    Console.WriteLine($"  cross-validated: {M(CrossValidationBenchmark.Mean(r.SecondDenseWeight.Select(f => f.Test).ToList()))}");
    Console.WriteLine("BM25's own parameters (Retrieval:Bm25:TitleBoost, K1, B) and the second dense weight, chosen together per fold (BM25 and arctic at 1):");
    foreach (var f in r.Bm25Parameters)
    {
        Console.WriteLine($"  fold {f.Fold}: [{f.Chosen}]  test: {M(f.Test)}");
    }

    Console.WriteLine($"  cross-validated: {M(CrossValidationBenchmark.Mean(r.Bm25Parameters.Select(f => f.Test).ToList()))}");
    Console.WriteLine("per idea (best member of each family, cross-validated):");
    foreach (var f in r.Families)
    {
        Console.WriteLine($"  {f.Family,-30} ({f.Members,2} settings) {M(f.CrossValidated)}");
    }

    Console.WriteLine("\"not covered\" gate, threshold per fold = highest refusing <= 5% of the training answerable (test: refused share):");
    foreach (var g in r.Gates)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {g.Evidence,-26} answerable refused {g.AnswerableRefused:F2}  unanswerable refused {g.UnanswerableRefused:F2} (folds {string.Join(" ", g.UnanswerableRefusedPerFold.Select(x => x.ToString("F2", CultureInfo.InvariantCulture)))})  thresholds {string.Join(" ", g.FoldThresholds.Select(x => x.ToString("F3", CultureInfo.InvariantCulture)))}  on all {g.ThresholdOnAll:F3}  answerable min {g.AnswerableMin:F3} unanswerable max {g.UnanswerableMax:F3}  per set at it (answerable, unanswerable refused): {string.Join("; ", g.PerSetAtThresholdOnAll)}"));
    }

    var sentenceGate = r.Gates.First(g => g.Evidence.StartsWith("best-sentence z", StringComparison.Ordinal));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"best-sentence z at the threshold chosen on all questions ({sentenceGate.ThresholdOnAll:F3}; Retrieval:SentenceScoreScale = threshold / Answering:MinRelevance), per set:"));
    foreach (var set in r.PerQuestion.GroupBy(q => q.Set))
    {
        var answerable = set.Where(q => q.Kind != "unanswerable").ToList();
        var unanswerable = set.Where(q => q.Kind == "unanswerable").ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {set.Key,-9} answerable refused {answerable.Count(q => q.SentenceZ < sentenceGate.ThresholdOnAll)}/{answerable.Count}, unanswerable refused {unanswerable.Count(q => q.SentenceZ < sentenceGate.ThresholdOnAll)}/{unanswerable.Count}"));
    }

    var t = r.TwoLevelGate;
    Console.WriteLine("the product's gate: refuse when z < low, or when the best paper stands less than gap above the tenth best and z < high (z: best-sentence standard score over the top 5):");
    foreach (var line in t.PerFold)
    {
        Console.WriteLine("  " + line);
    }

    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  cross-validated: answerable refused {t.AnswerableRefused:F3}, unanswerable refused {t.UnanswerableRefused:F3}"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  chosen on all: low {t.Low:F2} gap {t.Gap:F2} high {t.High:F2} (Retrieval:SentenceScoreScale = low / Answering:MinRelevance, CrowdedSentenceScoreScale = high / MinRelevance, StandOutGap = gap); per set at it (answerable, unanswerable refused): {string.Join("; ", t.PerSet)}"));
    Console.WriteLine("the same rule over other standings (cross-validated on a wider grid; answerable refused, unanswerable refused; per set at the values chosen on all):");
    foreach (var (standing, o) in r.OtherStandings)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {standing,-40} {o.AnswerableRefused:F3} {o.UnanswerableRefused:F3}  low {o.Low:F2} gap {o.Gap:F2} high {o.High:F2} floor {o.Floor:F2}: {string.Join("; ", o.PerSet)}; out of sample: {string.Join("; ", o.PerSetOutOfSample)}"));
    }

    Console.WriteLine("per set (in-sample for the chosen row):");
    foreach (var c in r.Table)
    {
        foreach (var (set, m) in c.BySet)
        {
            Console.WriteLine($"  {c.Config,-60} {set,-9} {M(m)}");
        }
    }

    return 0;
});

var evidenceTuning = new Command("evidence-tuning", "Evidence check on the dev set's answer points cited to the right paper, a wrong retrieved paper and nothing: support scores per weight, floor and threshold (5-fold CV).") { corpusOption, setOption, cacheOption, jsonOption };
evidenceTuning.SetAction(async (parse, ct) =>
{
    var set = parse.GetValue(setOption) ?? BenchCorpus.FindDevSet();
    if (set is null)
    {
        Console.Error.WriteLine("No question set: pass --set FILE (dev.jsonl format with answer_points).");
        return 2;
    }

    var tuning = await EvidenceBenchmark.TuneAsync(BenchCorpus.FindFolder(parse.GetValue(corpusOption)), set, parse.GetValue(cacheOption) ?? BenchCorpus.CacheFolder(), ct);
    if (parse.GetValue(jsonOption))
    {
        Console.WriteLine(JsonSerializer.Serialize(tuning, JsonDefaults.Indented));
        return 0;
    }

    Console.WriteLine($"{tuning.Claims} claims of {tuning.Questions} questions; columns: all-data threshold, then 5-fold cross-validated");
    Console.WriteLine($"{"weight",7}{"floor",7}{"thresh",8}{"right",7}{"wrong",7}{"uncited",9}{"cv right",10}{"cv wrong",10}{"cv uncited",12}");
    foreach (var r in tuning.Rows)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{r.SimilarityWeight,7:F2}{(r.SimilarityFloor is { } f ? f.ToString("F2", CultureInfo.InvariantCulture) : "-"),7}{r.Threshold,8:F2}{r.RightSupported,7:F2}{r.WrongFlagged,7:F2}{r.UncitedToRight,9:F2}{r.CvRightSupported,10:F2}{r.CvWrongFlagged,10:F2}{r.CvUncitedToRight,12:F2}{(r.Default ? "  <- default" : string.Empty)}"));
    }

    return 0;
});

var evidenceLatency = new Command("evidence-latency", "Time the evidence check adds after the last token: one claim against five sources, and a whole answer's claims.") { corpusOption, setOption, cacheOption, roundsOption, jsonOption };
evidenceLatency.SetAction(async (parse, ct) =>
{
    var set = parse.GetValue(setOption) ?? BenchCorpus.FindDevSet();
    if (set is null)
    {
        Console.Error.WriteLine("No question set: pass --set FILE (dev.jsonl format with answer_points).");
        return 2;
    }

    var latency = await EvidenceBenchmark.LatencyAsync(BenchCorpus.FindFolder(parse.GetValue(corpusOption)), set, parse.GetValue(cacheOption) ?? BenchCorpus.CacheFolder(), parse.GetValue(roundsOption), ct);
    Console.WriteLine(JsonSerializer.Serialize(latency, JsonDefaults.Indented));
    return 0;
});

var passagesOption = new Option<int>("--passages") { Description = "Synthetic passages (one-sentence abstracts) to index.", DefaultValueFactory = _ => 100_000 };
var coldBuildOption = new Option<string?>("--cold-build") { Description = "Internal: embed the corpus under this folder into its cache and exit.", Hidden = true };
var memory = new Command("memory", "Resident memory of a warm-built index over synthetic passages (stand-in embedder, vectors from the cache).") { passagesOption, dimensionsOption, coldBuildOption, jsonOption };
memory.SetAction(async (parse, ct) =>
{
    if (parse.GetValue(coldBuildOption) is { } coldRoot)
    {
        await MemoryBenchmark.ColdBuildAsync(coldRoot, parse.GetValue(dimensionsOption), ct);
        return 0;
    }

    var r = await MemoryBenchmark.RunAsync(parse.GetValue(passagesOption), parse.GetValue(dimensionsOption), ct);
    if (parse.GetValue(jsonOption))
    {
        Console.WriteLine(JsonSerializer.Serialize(r, JsonDefaults.Indented));
        return 0;
    }

    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{r.Passages} passages x {r.Dimensions} dimensions (one copy of the passage vectors: {r.OneVectorCopyMb} MB)"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"index GC heap after full collection: {r.IndexHeapMb} MB; process working set {r.WorkingSetMb} MB"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"build cold {r.ColdBuildSeconds} s, warm {r.WarmBuildSeconds} s"));
    return 0;
});

var quoteSetsOption = new Option<string[]>("--sets") { Description = "Question sets with answer_points (default: the dev, held-out and reworded sets).", AllowMultipleArgumentsPerToken = true };
var quoteChoice = new Command("quote-choice", "Retrieval-only quotes: the share of answer points whose closest abstract sentence is quoted, per sentence-scoring rule.") { corpusOption, quoteSetsOption, cacheOption, jsonOption };
quoteChoice.SetAction(async (parse, ct) =>
{
    var sets = parse.GetValue(quoteSetsOption) is { Length: > 0 } given ? given : new[] { BenchCorpus.FindDevSet(), BenchCorpus.FindHeldOutSet(), BenchCorpus.FindRewordedSet() }.OfType<string>().ToArray();
    var rows = await QuoteChoiceBenchmark.RunAsync(BenchCorpus.FindFolder(parse.GetValue(corpusOption)), sets, parse.GetValue(cacheOption) ?? BenchCorpus.CacheFolder(), ct);
    if (parse.GetValue(jsonOption))
    {
        Console.WriteLine(JsonSerializer.Serialize(rows, JsonDefaults.Indented));
        return 0;
    }

    Console.WriteLine($"{"rule",-34}{"questions",10}{"points @1",10}{"words @1",9}{"points @2",10}{"words @2",9}");
    foreach (var r in rows)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{r.Rule,-34}{r.Questions,10}{r.PointsQuotedAt1,10:F3}{r.WordsAt1,9:F1}{r.PointsQuotedAt2,10:F3}{r.WordsAt2,9:F1}"));
    }

    return 0;
});

var root = new RootCommand("RagAssistant retrieval benchmarks.") { latency, memory, longQuestions, scaling, variants, fusion, gate, embedding, eval, crossValidate, evidenceTuning, evidenceLatency, quoteChoice };
return await root.Parse(args).InvokeAsync();

internal static class JsonDefaults
{
    public static JsonSerializerOptions Indented { get; } = new() { WriteIndented = true };
}
