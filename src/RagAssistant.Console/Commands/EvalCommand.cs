using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using RagAssistant.Console.Cli;
using RagAssistant.Console.Rendering;
using RagAssistant.Core.Answering;
using RagAssistant.Core.Evaluation;
using RagAssistant.Core.Retrieval;
using RagAssistant.Hosting.Contract;
using Spectre.Console;

namespace RagAssistant.Console.Commands;

/// <summary><c>eval --set FILE</c>: retrieval quality on a question set (recall@k, MRR), and with --answers the whole pipeline.</summary>
internal static class EvalCommand
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>The <c>eval</c> command: parses the set and options, renders the report as a table or JSON.</summary>
    public static Command Create(CliContext context)
    {
        var set = new Option<FileInfo>("--set")
        {
            Description = "Question set (JSONL: id, question, gold_titles, kind).",
            Required = true,
            HelpName = "FILE",
        };
        set.AcceptExistingOnly();
        var retriever = new Option<RetrieverKind?>("--retriever") { Description = "bm25, dense or hybrid (default: hybrid)." };
        var json = new Option<bool>("--json") { Description = "Print the report as JSON." };
        var answers = new Option<bool>("--answers") { Description = "Also run every question through the whole answer pipeline (refusals, citations, timings)." };
        var command = new Command("eval", "Measure retrieval (and with --answers, answering) on a question set.") { set, retriever, json, answers };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var terminal = context.Terminal;
            var setPath = parseResult.GetValue(set)!.FullName;

            // A set with nothing to ask would measure zeros and pass: refuse it before loading anything.
            var setProblems = new List<string>();
            var questions = EvalQuestion.ReadSet(setPath, setProblems);
            if (questions.Count == 0)
            {
                terminal.WriteError($"no questions in {setPath}: each line must be a JSON object with \"question\" and \"gold_titles\".");
                foreach (var problem in setProblems)
                {
                    await terminal.Error.WriteLineAsync($"  {problem}").ConfigureAwait(false);
                }

                return ExitCodes.BadUsage;
            }

            await using var host = await CommandHost.StartAsync(context, parseResult, cancellationToken).ConfigureAwait(false);
            var asJson = parseResult.GetValue(json);
            StartupView.WriteWarnings(terminal, await host.BuildIndexAsync(asJson ? terminal with { IsInteractive = false } : terminal, cancellationToken).ConfigureAwait(false), toStandardError: asJson);
            var kind = parseResult.GetValue(retriever) ?? RetrieverKind.Hybrid;
            if (kind != RetrieverKind.Bm25 && host.Services.GetService<ICorpusIndex>() is { } index)
            {
                // Dense and hybrid numbers need every vector: wait, with the progress bar; a Ctrl+C meanwhile ends the
                // process with the note on what is embedded, as the chat's does.
                using var interrupt = new UnfinishedIndexNote(terminal, index).WriteOnInterrupt();
                await EmbeddingProgressView.WaitAsync(index, asJson ? terminal with { IsInteractive = false } : terminal, cancellationToken).ConfigureAwait(false);
            }

            var evaluator = host.Services.GetRequiredService<RetrievalEvaluator>();
            var report = await evaluator.EvaluateAsync(setPath, kind, cancellationToken).ConfigureAwait(false);
            if (report.Mode != report.Retriever)
            {
                // Never print BM25 numbers under a dense or hybrid label.
                terminal.WriteError($"{report.Retriever} retrieval is not available ({report.Notice ?? "no embedding model"}); nothing was measured under that label. Use --retriever bm25, or configure an embedding model (EmbeddingModel:Provider).");
                return ExitCodes.Failure;
            }

            AnswerEvalReport? answerReport = null;
            if (parseResult.GetValue(answers))
            {
                var answerEvaluator = host.Services.GetRequiredService<AnswerEvaluator>();
                var done = 0;
                var progress = new InlineProgress<AnswerEvalOutcome>(o =>
                {
                    done++;
                    if (!asJson)
                    {
                        terminal.Ui.MarkupLineInterpolated($"[grey]{done}/{questions.Count} {o.Id}: {(o.Refused ? "refused" : $"{o.ValidCitations} citations")} in {o.Timings.TotalMs:0} ms[/]");
                    }
                });
                answerReport = await answerEvaluator.EvaluateAsync(questions, progress, cancellationToken).ConfigureAwait(false);
            }

            if (asJson)
            {
                var document = JsonNode.Parse(report.ToJson())!.AsObject();
                if (answerReport is not null)
                {
                    document["answers"] = AnswerJson.ToJsonNode(answerReport);
                }

                await terminal.Out.WriteLineAsync(document.ToJsonString(Indented)).ConfigureAwait(false);
                return ExitCodes.Success;
            }

            await terminal.Out.WriteAsync(report.ToTable()).ConfigureAwait(false);
            if (report.Relevance is { } relevance)
            {
                await terminal.Out.WriteLineAsync(RefusalAdvice(relevance, host.Services.GetRequiredService<IOptions<AnsweringOptions>>().Value.MinRelevance)).ConfigureAwait(false);
            }

            if (answerReport is not null)
            {
                WriteAnswerSummary(terminal, answerReport);
            }

            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>How far from the setting a best threshold must be to be suggested: closer, it is the set's noise.</summary>
    internal const double NegligibleDifference = 0.01;

    /// <summary>
    /// What to do with the best refusal threshold: the setting it is, its value now, and how to set it. A suggestion
    /// that would refuse fewer uncovered questions than the value now (no threshold refuses them here within 5% of the
    /// answerable) is not made: it would answer what the corpus does not cover.
    /// </summary>
    /// <param name="relevance">The top-hit relevances of this set and the threshold that best separated them.</param>
    /// <param name="configured">Answering:MinRelevance as configured now.</param>
    internal static string RefusalAdvice(RelevanceSeparation relevance, double configured)
    {
        ArgumentNullException.ThrowIfNull(relevance);
        var setting = $"{AnsweringOptions.SectionName}:{nameof(AnsweringOptions.MinRelevance)}";
        var now = configured.ToString("0.###", CultureInfo.InvariantCulture);
        var best = relevance.BestThreshold;
        var value = best.ToString("0.###", CultureInfo.InvariantCulture);
        var acceptedNow = relevance.Unanswerable.Values.Count(v => v >= configured);
        if (Math.Abs(best - configured) < 0.0005)
        {
            return $"{setting} (the relevance below which a question is refused as not covered) is {now} already: the best threshold on this set.";
        }

        // A difference this small is the set's noise, not a better setting.
        if (Math.Abs(best - configured) < NegligibleDifference)
        {
            return $"{setting} (the relevance below which a question is refused as not covered) is {now}, within {NegligibleDifference.ToString("0.###", CultureInfo.InvariantCulture)} of the best threshold on this set ({value}): keep it.";
        }

        if (relevance.UnanswerableAccepted > acceptedNow)
        {
            var refusedNow = relevance.Answerable.Values.Count(v => v < configured);
            return $"{setting} (the relevance below which a question is refused as not covered) is {now}: keep it. On this set no threshold refuses more uncovered questions while refusing at most 5% of the answerable; at {now} the top hit refuses " +
                $"{refusedNow} of {relevance.Answerable.Values.Count} answerable and {relevance.Unanswerable.Values.Count - acceptedNow} of {relevance.Unanswerable.Values.Count} unanswerable questions.";
        }

        return $"{setting} (the relevance below which a question is refused as not covered) is {now}; to use the best threshold on this set, " +
            $"pass --{setting}={value} for one run, or set \"{AnsweringOptions.SectionName}\": {{ \"{nameof(AnsweringOptions.MinRelevance)}\": {value} }} in appsettings.json (a threshold tuned on a small set may not carry over: check it on questions of your own).";
    }

    private static void WriteAnswerSummary(Terminal terminal, AnswerEvalReport report)
    {
        var t = report.MedianTimings;
        terminal.Ui.MarkupLineInterpolated($"Answers ({AnswerJson.ModeName(report.Mode)}, {report.Outcomes.Count} questions):");
        terminal.Ui.MarkupLineInterpolated($"  unanswerable refused {report.UnanswerableRefused:P0}, answerable refused {report.AnswerableRefused:P0}");
        var valid = report.ValidCitationShare is { } share ? $"{share:P0}" : "n/a (nothing cited)";
        terminal.Ui.MarkupLineInterpolated($"  valid citations {valid}, gold paper cited {report.GoldCitedShare:P0}");
        var g = GroundingSharesDocument.Of(report.Grounding);
        terminal.Ui.MarkupLineInterpolated(
            $"  claims {g.Claims}: supported by their sources {g.Supported:P0}, partly {g.Partly:P0}, unsupported {g.Unsupported:P0}, uncited {g.Uncited:P0}");
        terminal.Ui.MarkupLineInterpolated(
            $"  median ms: retrieval {t.RetrievalMs:0}, first token {t.TimeToFirstTokenMs:0}, generation {t.GenerationMs:0}, total {t.TotalMs:0}");
    }
}
