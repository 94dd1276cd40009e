using RagAssistant.Console.Cli;
using RagAssistant.Core.Answering;
using Spectre.Console;

namespace RagAssistant.Console.Rendering;

/// <summary>Shows a streamed answer: a status line while retrieving, the text as it arrives, then the Sources list.</summary>
internal sealed class AnswerRenderer(Terminal terminal)
{
    /// <summary>The sources offered for the answer being shown (kept even if the answer is cancelled).</summary>
    public IReadOnlyList<AnswerSource> LastSources { get; private set; } = [];

    /// <summary>Consumes the stream and renders it; returns the complete result, or null if the stream ended early.</summary>
    /// <remarks>Retrieval-only answers carry their own "extracted, not generated" heading; the footer repeats the mode.</remarks>
    public async Task<AnswerResult?> RenderAsync(IAsyncEnumerable<AnswerUpdate> updates, CancellationToken cancellationToken)
    {
        LastSources = [];
        var enumerator = updates.GetAsyncEnumerator(cancellationToken);
        await using (enumerator.ConfigureAwait(false))
        {
            // Everything before the first piece of text is retrieval and prompt processing: one status line covers it.
            var hasText = terminal.IsInteractive
                ? await terminal.Ui.Status().Spinner(Spinner.Known.Dots).StartAsync(
                    "Searching the corpus...", ctx => AdvanceToTextAsync(enumerator, status => ctx.Status(status))).ConfigureAwait(false)
                : await AdvanceToTextAsync(enumerator, status => { }).ConfigureAwait(false);

            AnswerResult? result = null;
            var wrapper = terminal.WrapsAnswerText ? new AnswerTextWrapper(terminal.Out, terminal.Ui) : null;
            for (var more = hasText; more; more = await enumerator.MoveNextAsync().ConfigureAwait(false))
            {
                switch (enumerator.Current)
                {
                    case AnswerTextUpdate text when wrapper is not null:
                        wrapper.Write(text.Text);
                        await terminal.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
                        break;
                    case AnswerTextUpdate text:
                        await terminal.Out.WriteAsync(text.Text.AsMemory(), cancellationToken).ConfigureAwait(false);
                        await terminal.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
                        break;
                    case SourcesRetrievedUpdate sources:
                        LastSources = sources.Sources;
                        break;
                    case AnswerCompletedUpdate completed:
                        result = completed.Result;
                        break;
                }
            }

            wrapper?.Flush();
            await terminal.Out.WriteLineAsync().ConfigureAwait(false);
            if (result is not null)
            {
                LastSources = result.Sources;
                WriteSources(result);
                if (result.RetrievalNotice is { } notice)
                {
                    terminal.Ui.MarkupLineInterpolated($"[grey]({notice})[/]");
                }
            }

            return result;
        }

        async Task<bool> AdvanceToTextAsync(IAsyncEnumerator<AnswerUpdate> e, Action<string> setStatus)
        {
            while (await e.MoveNextAsync().ConfigureAwait(false))
            {
                switch (e.Current)
                {
                    case SourcesRetrievedUpdate sources:
                        LastSources = sources.Sources;
                        setStatus(sources.Sources.Count == 0 ? "Nothing relevant found..." : $"Reading {sources.Sources.Count} source{(sources.Sources.Count == 1 ? string.Empty : "s")}...");
                        break;
                    default:
                        return true;
                }
            }

            return false;
        }
    }

    /// <summary>The papers the answer cites, numbered as in the answer; flags markers that name no offered source.</summary>
    public void WriteSources(AnswerResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var cited = result.Citations.DistinctBy(c => c.Number).OrderBy(c => c.Number).ToList();
        if (cited.Count > 0)
        {
            terminal.Ui.WriteLine();
            terminal.Ui.MarkupLine("[bold]Sources[/]");
            foreach (var citation in cited)
            {
                var source = result.Sources.FirstOrDefault(s => s.Number == citation.Number);
                var details = source is null ? string.Empty : $" ({Describe(source)})";
                WriteEntry($"[{citation.Number}]", Markup.FromInterpolated($"{citation.Title}[grey]{details}[/]"));
            }
        }
        else if (!result.Refused && result.Sources.Count > 0)
        {
            // Nothing cited: show what the answer was based on, but never as if it were cited.
            terminal.Ui.WriteLine();
            terminal.Ui.MarkupLine("[bold]Sources offered[/] [yellow](the answer cites none of them)[/]");
            foreach (var source in result.Sources)
            {
                WriteEntry($"({source.Number})", Markup.FromInterpolated($"{source.Title}[grey] ({Describe(source)})[/]"));
            }
        }

        if (result.InvalidCitations.Count > 0)
        {
            var markers = string.Join(", ", result.InvalidCitations.Distinct().Order().Select(n => $"[{n}]"));
            terminal.Ui.MarkupLineInterpolated($"[yellow]Warning: {markers} in the answer match no source that was offered; they are not citations.[/]");
        }

        terminal.Ui.MarkupLineInterpolated($"[grey]{DescribeTimings(result)}[/]");
    }

    /// <summary>The passages offered for the last answer, for /sources.</summary>
    public void WriteOfferedSources()
    {
        if (LastSources.Count == 0)
        {
            terminal.Ui.MarkupLine("[grey]No sources yet: ask a question first.[/]");
            return;
        }

        foreach (var source in LastSources)
        {
            WriteEntry($"[{source.Number}]", Markup.FromInterpolated($"[bold]{source.Title}[/] [grey]({Describe(source)}, score {source.Score:0.000})[/]"));
            var text = source.Text.Length > 400 ? string.Concat(source.Text.AsSpan(0, 400), "...") : source.Text;
            terminal.Ui.Write(new Padder(new Text(text.ReplaceLineEndings(" ")), new Padding(4, 0, 0, 0)));
        }
    }

    // "  [n] Title (details)", wrapped by Spectre at word boundaries with continuation lines under the title.
    private void WriteEntry(string label, Markup text)
    {
        var grid = new Grid().AddColumn(new GridColumn().NoWrap().PadLeft(2).PadRight(1)).AddColumn();
        grid.AddRow(new Text(label), text);
        terminal.Ui.Write(grid);
    }

    private static string Describe(AnswerSource source) =>
        string.Join(", ", new[] { source.Date, string.Join(", ", source.SourceFiles) }.Where(s => !string.IsNullOrEmpty(s)));

    private static string DescribeTimings(AnswerResult result)
    {
        var t = result.Timings;
        var parts = new List<string>
        {
            result.Mode == AnswerMode.RetrievalOnly ? "retrieval-only: extracted, not generated" : "generated",
            $"retrieval {t.RetrievalMs:0} ms",
        };
        if (result.Mode == AnswerMode.Generated && result.Usage.CompletionTokens > 0)
        {
            parts.Add($"first token {t.TimeToFirstTokenMs:0} ms");
            parts.Add($"{result.Usage.PromptTokens} prompt + {result.Usage.CompletionTokens} answer tokens");
        }

        if (result.FinishReason == AnswerFinishReason.Length)
        {
            parts.Add("cut at the answer-token limit (Answering:MaxAnswerTokens)");
        }

        parts.Add($"total {t.TotalMs / 1000:0.0} s");
        return string.Join(" | ", parts);
    }
}
