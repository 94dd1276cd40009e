using System.CommandLine;
using RagAssistant.Console.Cli;
using RagAssistant.Core.Retrieval;

namespace RagAssistant.Console.Commands;

/// <summary><c>eval --set FILE</c>: retrieval quality on a question set (recall@k, MRR), optionally whole answers.</summary>
internal static class EvalCommand
{
    public static Command Create(CliContext context)
    {
        var set = new Option<FileInfo>("--set")
        {
            Description = "Question set (JSONL: id, question, gold_titles, kind).",
            Required = true,
            HelpName = "FILE",
        };
        set.AcceptExistingOnly();
        var retriever = new Option<RetrieverKind?>("--retriever") { Description = "bm25, dense or hybrid (default: configured)." };
        var json = new Option<bool>("--json") { Description = "Print the report as JSON." };
        var answers = new Option<bool>("--answers") { Description = "Also run every question through the whole answer pipeline." };
        var command = new Command("eval", "Measure retrieval (and with --answers, answering) on a question set.") { set, retriever, json, answers };
        command.SetAction((parseResult, cancellationToken) =>
        {
            // Wired to Core.Evaluation.RetrievalEvaluator / Core.Answering.AnswerEvaluator once they land.
            context.Terminal.WriteError("eval is not available in this build yet (the evaluators are not part of it).");
            return Task.FromResult(ExitCodes.Failure);
        });
        return command;
    }
}
