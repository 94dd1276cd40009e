using RagAssistant.Console.Cli;
using RagAssistant.Core.Answering;
using RagAssistant.Core.Evidence;
using RagAssistant.Hosting.Contract;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace RagAssistant.Console.Rendering;

/// <summary>
/// Shows a streamed answer: a status line while retrieving, the text as it arrives with a verdict mark after each
/// claim (<see cref="Mark"/>: readable without colour), then the Sources list and the grounding summary.
/// </summary>
/// <param name="terminal">Where to write.</param>
/// <param name="noticesToStandardError">
/// True for <c>ask</c>: a retrieval notice (BM25 only while the semantic index is built) is a <c>note:</c> line on
/// stderr, so stdout holds the answer alone; the chat shows it in grey after the answer.
/// </param>
internal sealed class AnswerRenderer(Terminal terminal, bool noticesToStandardError = false)
{
    /// <summary>"Supported", worded honestly: what the check shows, and what it does not.</summary>
    public const string SupportedMeaning = "\"supported\" means the cited source holds a sentence close to the claim; it is not a proof";

    /// <summary>The sources offered for the answer being shown (kept even if the answer is cancelled).</summary>
    public IReadOnlyList<AnswerSource> LastSources { get; private set; } = [];

    /// <summary>The last complete answer, for /evidence; null before the first.</summary>
    public AnswerResult? LastResult { get; private set; }

    // A question was asked since the last Forget: with no LastResult, its answer was cancelled or failed.
    private bool _asked;

    /// <summary>
    /// True when the last answer is a resumed conversation's, read back from the store (<see cref="Resume"/>): its
    /// sources' passages are not stored, and nothing at all is when the answer did not complete.
    /// </summary>
    public bool IsResumed { get; private set; }

    private bool Unicode => terminal.Ui.Profile.Capabilities.Unicode;

    /// <summary>
    /// The mark written after a claim: ✓ supported, ~ partly, ✗ unsupported, ? uncited (+, ~, x, ? without Unicode),
    /// followed by the suggested sources ("✗→[4]") when there are any.
    /// </summary>
    public static string Mark(AnswerClaim claim, bool unicode)
    {
        ArgumentNullException.ThrowIfNull(claim);
        var symbol = claim.Verdict switch
        {
            ClaimVerdict.Supported => unicode ? "✓" : "+",
            ClaimVerdict.Partly => "~",
            ClaimVerdict.Unsupported => unicode ? "✗" : "x",
            _ => "?",
        };
        var suggestion = claim.Suggested.Count == 0 ? string.Empty : (unicode ? "→" : "->") + string.Concat(claim.Suggested.Select(n => $"[{n}]"));
        return symbol + suggestion;
    }

    /// <summary>"3 of 4 claims supported by their sources", with the others counted; null when the answer makes no claim.</summary>
    public static string? DescribeGrounding(GroundingSummary grounding)
    {
        ArgumentNullException.ThrowIfNull(grounding);
        if (grounding.Claims == 0)
        {
            return null;
        }

        var others = new[] { (grounding.Partly, "partly"), (grounding.Unsupported, "unsupported"), (grounding.Uncited, "uncited") }
            .Where(o => o.Item1 > 0).Select(o => $"{o.Item1} {o.Item2}");
        var rest = string.Join(", ", others);
        return $"{grounding.Supported} of {grounding.Claims} claim{(grounding.Claims == 1 ? string.Empty : "s")} supported by their sources{(rest.Length > 0 ? $" ({rest})" : string.Empty)}";
    }

    /// <summary>Consumes the stream and renders it; returns the complete result, or null if the stream ended early.</summary>
    /// <remarks>Retrieval-only answers carry their own "extracted, not generated" heading; the footer repeats the mode.</remarks>
    public async Task<AnswerResult?> RenderAsync(IAsyncEnumerable<AnswerUpdate> updates, CancellationToken cancellationToken)
    {
        Forget();
        _asked = true;
        var steps = ConsoleSteps.Instance.ProjectAsync(updates, cancellationToken).GetAsyncEnumerator(cancellationToken);
        await using (steps.ConfigureAwait(false))
        {
            // Everything before the first piece of text is retrieval and prompt processing: one status line covers it.
            bool hasText;
            if (terminal.IsInteractive)
            {
                // A log entry meanwhile is written above the spinner (TerminalLogFormatter) rather than over it.
                using (StatusLine.Show(terminal.Ui))
                {
                    hasText = await terminal.Ui.Status().Spinner(Spinner.Known.Dots).StartAsync(
                        "Searching the corpus...", ctx => AdvanceToTextAsync(status => ctx.Status(status))).ConfigureAwait(false);
                }
            }
            else
            {
                hasText = await AdvanceToTextAsync(status => { }).ConfigureAwait(false);
            }

            AnswerResult? result = null;
            var marked = false;
            var wrapper = terminal.WrapsAnswerText ? new AnswerTextWrapper(terminal.Out, terminal.Ui) : null;
            try
            {
                for (var more = hasText; more; more = await steps.MoveNextAsync().ConfigureAwait(false))
                {
                    switch (steps.Current)
                    {
                        case TextStep text when wrapper is not null:
                            wrapper.Write(text.Text);
                            await terminal.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
                            break;
                        case TextStep text:
                            await terminal.Out.WriteAsync(text.Text.AsMemory(), cancellationToken).ConfigureAwait(false);
                            await terminal.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
                            break;
                        case StatusStep status:
                            LastSources = status.Offered;
                            break;
                        case ClaimStep claim when wrapper is not null:
                            wrapper.Write(" " + Mark(claim.Claim, Unicode));
                            marked = true;
                            break;
                        case ClaimStep claim:
                            marked = true;
                            await terminal.Out.WriteAsync((" " + Mark(claim.Claim, Unicode)).AsMemory(), cancellationToken).ConfigureAwait(false);
                            break;
                        case ResultStep completed:
                            result = completed.Result;
                            break;
                    }
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The answer failed mid-text (a model server that closed the connection): its text stays, its line ends
                // before the error is said.
                wrapper?.Flush();
                await terminal.Out.WriteLineAsync().ConfigureAwait(false);
                throw;
            }

            wrapper?.Flush();
            await terminal.Out.WriteLineAsync().ConfigureAwait(false);
            if (result is not null)
            {
                LastResult = result;
                LastSources = result.Sources;
                WriteSources(result, marked);
                if (result.RetrievalNotice is { } notice && noticesToStandardError)
                {
                    terminal.WriteNote(notice);
                }
                else if (result.RetrievalNotice is { } shown)
                {
                    terminal.Ui.MarkupLineInterpolated($"[grey]({shown})[/]");
                }
            }

            return result;
        }

        async Task<bool> AdvanceToTextAsync(Action<string> setStatus)
        {
            while (await steps.MoveNextAsync().ConfigureAwait(false))
            {
                if (steps.Current is not StatusStep status)
                {
                    return true;
                }

                LastSources = status.Offered;
                setStatus(status.Line);
            }

            return false;
        }
    }

    /// <summary>
    /// The papers the answer cites, numbered as in the answer; flags markers that name no offered source; counts the
    /// claims' verdicts, with the legend of the marks only when <paramref name="marked"/> (a retrieval-only answer's
    /// claims are its verbatim quotes, checked with the result and not marked in the text).
    /// </summary>
    private void WriteSources(AnswerResult result, bool marked)
    {
        var cited = result.Citations.DistinctBy(c => c.Number).OrderBy(c => c.Number).ToList();
        if (cited.Count > 0)
        {
            terminal.Ui.WriteLine();
            terminal.Ui.MarkupLine("[bold]Sources[/]");
            // A number the list would skip ([1], [2], [4]) is a source offered and not cited: say so, in its place. So is
            // one a claim's check points to (→[5]) without the answer citing it: every number shown is listed.
            var suggested = result.Claims.SelectMany(c => c.Suggested).ToHashSet();
            var skipped = result.Sources.Where(s => (s.Number < cited[^1].Number || suggested.Contains(s.Number)) && cited.All(c => c.Number != s.Number));
            var entries = cited.Select(c => (c.Number, c.Title, IsCited: true)).Concat(skipped.Select(s => (s.Number, s.Title, IsCited: false))).OrderBy(e => e.Number).ToList();
            var labelWidth = HangingIndent.Width(entries.Select(e => Label(e.Number)));
            foreach (var (number, title, isCited) in entries)
            {
                if (!isCited)
                {
                    WriteEntry(Label(number), labelWidth, Markup.FromInterpolated($"[grey]{TerminalTextGuard.OneLine(title)} (offered, not cited)[/]"));
                    continue;
                }

                var details = result.Sources.FirstOrDefault(s => s.Number == number) is { } offered ? Details(offered) : string.Empty;
                WriteEntry(Label(number), labelWidth, Markup.FromInterpolated($"{TerminalTextGuard.OneLine(title)}[grey]{details}[/]"));
            }
        }
        else if (!result.Refused && result.Sources.Count > 0)
        {
            // Nothing cited: show what the answer was based on, but never as if it were cited.
            terminal.Ui.WriteLine();
            terminal.Ui.MarkupLine("[bold]Sources offered[/] [yellow](the answer cites none of them)[/]");
            var labelWidth = HangingIndent.Width(result.Sources.Select(s => Label(s.Number)));
            foreach (var source in result.Sources)
            {
                WriteEntry(Label(source.Number), labelWidth, Markup.FromInterpolated($"{TerminalTextGuard.OneLine(source.Title)}[grey]{Details(source)}[/]"));
            }
        }

        if (result.InvalidCitations.Count > 0)
        {
            var markers = string.Join(", ", result.InvalidCitations.Distinct().Order().Select(n => $"[{n}]"));
            terminal.Ui.MarkupLineInterpolated($"[yellow]Warning: {markers} in the answer match no source that was offered; they are not citations.[/]");
        }

        if (result.Mode == AnswerMode.RetrievalOnly && result.Grounding.Claims > 0)
        {
            // Quotes are their sources' own sentences: "N of N claims supported" would be true by construction and read
            // as an endorsement of whatever was quoted, on topic or not.
            terminal.Ui.MarkupLineInterpolated($"[grey]{result.Grounding.Claims} quoted sentence{(result.Grounding.Claims == 1 ? string.Empty : "s")}, each its source's own words: no model wrote this answer, so there is no claim to check (/evidence or --evidence shows each one).[/]");
        }
        else if (DescribeGrounding(result.Grounding) is { } grounding)
        {
            var legend = !marked ? string.Empty
                : Unicode ? "✓ supported, ~ partly, ✗ unsupported, ? uncited, →[n] a source that supports it; "
                : "+ supported, ~ partly, x unsupported, ? uncited, ->[n] a source that supports it; ";
            terminal.Ui.MarkupLineInterpolated($"{grounding} [grey]({legend}{SupportedMeaning}; /evidence or --evidence shows the sentences)[/]");
        }

        foreach (var line in BetweenParts(DescribeTimings(result), terminal.Ui.Profile.Width))
        {
            terminal.Ui.MarkupLineInterpolated($"[grey]{line}[/]");
        }
    }

    /// <summary>Each claim of <paramref name="result"/> with its verdict and the quoted sentence of each source (cited, then suggested), for /evidence and ask --evidence.</summary>
    public void WriteEvidence(AnswerResult? result)
    {
        if (result is null)
        {
            terminal.Ui.MarkupLine(
                IsResumed ? "[grey]The resumed answer's claims are not stored (it did not complete): ask again to check them.[/]"
                : _asked ? "[grey]The last answer did not complete (cancelled or failed), so its claims were not checked: ask again to check them.[/]"
                : "[grey]No answer yet: ask a question first.[/]");
            return;
        }

        if (result.Claims.Count == 0)
        {
            terminal.Ui.MarkupLine("[grey]The last answer makes no claim to check.[/]");
            return;
        }

        terminal.Ui.WriteLine();
        terminal.Ui.MarkupLine("[bold]Evidence[/]");
        var claimWidth = HangingIndent.Width(result.Claims.Select((claim, i) => $"{i + 1}. {Mark(claim, Unicode)}"));
        for (var i = 0; i < result.Claims.Count; i++)
        {
            var claim = result.Claims[i];
            WriteEntry($"{i + 1}. {Mark(claim, Unicode)}", claimWidth, Markup.FromInterpolated($"{TerminalTextGuard.OneLine(claim.Text)} [grey]({AnswerJson.VerdictName(claim.Verdict)})[/]"));
            var evidenceWidth = HangingIndent.Width(claim.Evidence.Select(e => Label(e.Number)));
            foreach (var evidence in claim.Evidence)
            {
                var role = claim.Cited.Contains(evidence.Number) ? "cited" : "suggested";
                var quote = Unicode ? $"“{TerminalTextGuard.OneLine(evidence.Sentence)}”" : $"\"{TerminalTextGuard.OneLine(evidence.Sentence)}\"";
                terminal.Ui.Write(new HangingIndent(Label(evidence.Number), evidenceWidth, Markup.FromInterpolated($"[grey]{role}, score {evidence.Score:0.00}:[/] {quote}"), margin: 6));
            }
        }
    }

    /// <summary>Forgets the last answer (a new conversation): /sources and /evidence then say to ask first.</summary>
    public void Forget()
    {
        LastSources = [];
        LastResult = null;
        IsResumed = false;
        _asked = false;
    }

    /// <summary>
    /// Makes a resumed conversation's last answer the one /sources and /evidence show, from the answer object its turn
    /// stored (<see cref="AnswerJson"/>: the sources' titles, dates and scores, and the claims with their evidence;
    /// not the passages' text); null or unreadable when the turn stored none (it was cancelled or failed).
    /// </summary>
    /// <param name="storedAnswer">The turn's stored answer object, or null.</param>
    public void Resume(string? storedAnswer)
    {
        Forget();
        IsResumed = true;
        if (storedAnswer is not null && AnswerJson.Deserialize(storedAnswer) is { } stored)
        {
            LastResult = FromStored(stored);
            LastSources = LastResult.Sources;
        }
    }

    // The stored answer object as the result it was written from, as far as it says: no passage text, no file names.
    private static AnswerResult FromStored(AnswerDocument stored) =>
        new(
            stored.Question,
            stored.Question,
            stored.Answer,
            [.. stored.Citations.Select(c => new AnswerCitation(c.N, c.PaperId, c.Title))],
            [.. stored.Sources.Select(s => new AnswerSource(s.N, s.PaperId, s.Title, s.Date, string.Empty, s.Score, string.Empty) { Relevance = s.RelevanceScore })],
            stored.InvalidCitations,
            stored.Refused,
            Enum.GetValues<AnswerMode>().FirstOrDefault(m => AnswerJson.ModeName(m) == stored.Mode),
            new AnswerUsage(stored.Usage.PromptTokens, stored.Usage.CompletionTokens),
            new AnswerTimings(stored.TimingsMs.Retrieval, stored.TimingsMs.FirstToken, stored.TimingsMs.Generation, stored.TimingsMs.Total))
        {
            Claims = [.. stored.Claims.Select(c => new AnswerClaim(
                c.Text,
                c.Cited,
                Enum.GetValues<ClaimVerdict>().FirstOrDefault(v => AnswerJson.VerdictName(v) == c.Verdict),
                [.. c.Evidence.Select(e => new ClaimEvidence(e.N, e.Sentence, e.Score))],
                c.Suggested))],
        };

    /// <summary>Writes the sources offered for the last answer (<c>/sources</c>), or why there are none.</summary>
    public void WriteOfferedSources()
    {
        if (LastSources.Count == 0)
        {
            // After a refusal there is an answer, just no source behind it: say why rather than "ask first".
            terminal.Ui.MarkupLine(LastResult switch
            {
                { Mode: AnswerMode.NotCovered } => "[grey]No sources: the last question was not covered by the corpus (no paper was relevant enough, so none was offered).[/]",
                { Refused: true } => "[grey]No sources: the last answer was a refusal, based on no paper.[/]",
                not null => "[grey]No sources: none was offered for the last question.[/]",
                null when IsResumed => "[grey]The resumed answer's sources are not stored (it did not complete): ask again to see them.[/]",
                null => "[grey]No sources yet: ask a question first.[/]",
            });
            return;
        }

        var labelWidth = HangingIndent.Width(LastSources.Select(s => Label(s.Number)));
        foreach (var source in LastSources)
        {
            WriteEntry(Label(source.Number), labelWidth, Markup.FromInterpolated($"[bold]{TerminalTextGuard.OneLine(source.Title)}[/] [grey]({(source.Label is { Length: > 0 } label ? TerminalTextGuard.OneLine(label) + ", " : string.Empty)}score {source.Score:0.000})[/]"));
            if (IsResumed)
            {
                continue; // the stored answer names its sources, not the passages offered
            }

            var text = source.Text.Length > 400 ? string.Concat(source.Text.AsSpan(0, 400), "...") : source.Text;
            terminal.Ui.Write(new HangingIndent(string.Empty, labelWidth, new Text(TerminalTextGuard.OneLine(text))));
        }

        if (IsResumed)
        {
            terminal.Ui.MarkupLine("[grey]The sources of the resumed answer: their passages are not stored with the conversation; ask again to see them.[/]");
        }
    }

    // "  [n] Title (details)", wrapped at word boundaries with continuation lines under the title, the titles of a
    // list in one column.
    private void WriteEntry(string label, int labelWidth, Markup text) => terminal.Ui.Write(new HangingIndent(label, labelWidth, text));

    private static string Label(int number) => $"[{number}]";

    // " (Feb 22, 2024)", " (my-notes.md)": what identifies the source, or nothing.
    private static string Details(AnswerSource source) => source.Label is { Length: > 0 } label ? $" ({TerminalTextGuard.OneLine(label)})" : string.Empty;

    // The footer's parts joined by " | ", a line broken only between two parts where the next would pass the width,
    // the line then ending in " |": never inside "total 0.7 s". A part wider than the width alone is wrapped at words.
    private static IEnumerable<string> BetweenParts(List<string> parts, int width)
    {
        var line = string.Empty;
        for (var i = 0; i < parts.Count; i++)
        {
            var more = i < parts.Count - 1 ? " |".Length : 0;
            if (line.Length > 0 && new Segment($"{line} | {parts[i]}").CellCount() + more > width)
            {
                yield return $"{line} |";
                line = string.Empty;
            }

            line = line.Length == 0 ? parts[i] : $"{line} | {parts[i]}";
        }

        yield return line;
    }

    private static List<string> DescribeTimings(AnswerResult result)
    {
        var t = result.Timings;
        var parts = new List<string>
        {
            result.Mode switch
            {
                AnswerMode.RetrievalOnly => "retrieval-only: extracted, not generated",
                AnswerMode.NotCovered when result.IsChat => "chat: nothing to search, no model call",
                AnswerMode.NotCovered => "not covered: no paper relevant enough, no model call",
                _ => "generated",
            },
        };
        if (!result.IsChat)
        {
            parts.Add($"retrieval {t.RetrievalMs:0} ms"); // chat searches nothing
        }

        if (result.Mode == AnswerMode.Generated && result.Usage.CompletionTokens > 0)
        {
            parts.Add($"first token {t.TimeToFirstTokenMs:0} ms");
            var cached = result.Usage.CachedPromptTokens is > 0 and var reused ? $" ({reused} from the KV cache)" : string.Empty;
            parts.Add($"{result.Usage.PromptTokens} prompt{cached} + {result.Usage.CompletionTokens} answer tokens");
        }

        if (result.FinishReason == AnswerFinishReason.Length)
        {
            // Fewer tokens than ours: the model server stopped it at a limit of its own (its max tokens or context).
            parts.Add(result.AnswerTokenLimit is { } limit && result.Usage.CompletionTokens < limit
                ? $"cut by the model server at its own limit after {result.Usage.CompletionTokens} tokens (ours, Answering:MaxAnswerTokens, is {limit})"
                : "cut at the answer-token limit (Answering:MaxAnswerTokens)");
        }

        // Under a second in milliseconds, like the retrieval time before it: "total 0.0 s" after "retrieval 26 ms" read as less.
        parts.Add(t.TotalMs < 1000 ? $"total {t.TotalMs:0} ms" : $"total {t.TotalMs / 1000:0.0} s");
        return parts;
    }

    /// <summary>The console's view of a streamed answer: a status line while retrieving, then text, then the result.</summary>
    private sealed class ConsoleSteps : AnswerStreamProjection<ConsoleStep>
    {
        /// <summary>The projection; it keeps no state.</summary>
        public static ConsoleSteps Instance { get; } = new();

        protected override IEnumerable<ConsoleStep> OnSourcesRetrieved(SourcesRetrievedUpdate update)
        {
            var count = update.Sources.Count;
            yield return new StatusStep(count == 0 ? "Nothing relevant found..." : $"Reading {count} source{(count == 1 ? string.Empty : "s")}...", update.Sources);
        }

        protected override IEnumerable<ConsoleStep> OnText(string text) => [new TextStep(text)];

        protected override IEnumerable<ConsoleStep> OnClaim(AnswerClaim claim) => [new ClaimStep(claim)];

        protected override IEnumerable<ConsoleStep> OnCompleted(AnswerResult result) => [new ResultStep(result)];
    }

    private abstract record ConsoleStep;

    /// <summary>The status line to show, and the sources offered so far (for /sources, even if the answer is cancelled).</summary>
    private sealed record StatusStep(string Line, IReadOnlyList<AnswerSource> Offered) : ConsoleStep;

    private sealed record TextStep(string Text) : ConsoleStep;

    private sealed record ResultStep(AnswerResult Result) : ConsoleStep;

    private sealed record ClaimStep(AnswerClaim Claim) : ConsoleStep;
}
