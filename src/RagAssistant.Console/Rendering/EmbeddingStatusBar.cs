using RagAssistant.Console.Cli;
using RagAssistant.Core.Retrieval;

namespace RagAssistant.Console.Rendering;

/// <summary>
/// A live progress bar for background embedding on the bottom row of an interactive terminal. The rows above it are
/// made the scrolling region (DECSTBM), so the chat, the prompt and the line being edited scroll above the bar and
/// are never overwritten; each redraw saves and restores the cursor in one write. When the vectors are ready the bar
/// is cleared and the whole screen scrolls again.
/// </summary>
internal sealed class EmbeddingStatusBar : IAsyncDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);
    private readonly ICorpusIndex _index;
    private readonly TextWriter _output;
    private readonly int _rows;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    private EmbeddingStatusBar(ICorpusIndex index, TextWriter output, int rows)
    {
        _index = index;
        _output = output;
        _rows = rows;

        // Keep the cursor off the bottom row, then reserve that row: the scrolling region is every row above it.
        Write($"\n\u001b[1A\u001b7\u001b[1;{rows - 1}r\u001b8");
        _loop = RunAsync();
    }

    /// <summary>Starts the bar when the vectors are pending and a person watches a terminal tall enough; else null.</summary>
    public static EmbeddingStatusBar? Start(ICorpusIndex? index, Terminal terminal)
    {
        ArgumentNullException.ThrowIfNull(terminal);
        if (index is null || !terminal.IsInteractive || !index.Embedding.IsPending)
        {
            return null;
        }

        int rows;
        try
        {
            rows = System.Console.WindowHeight;
        }
        catch (IOException)
        {
            return null;
        }

        return rows < 5 ? null : new EmbeddingStatusBar(index, terminal.Controls, rows);
    }

    /// <summary>
    /// The bar's text: label, bar, passages done, rate and time left, in ANSI colours, fitted to
    /// <paramref name="width"/> terminal columns (a longer line would wrap on the reserved bottom row and garble it):
    /// the "(BM25 until ready)" hint goes first, then the bar shrinks to 10 cells, then the text is cut.
    /// </summary>
    public static string Line(EmbeddingProgress progress, int barWidth = 30, int width = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(progress);
        const string Label = "Semantic index ";
        const string Hint = " (BM25 until ready)";
        var describe = EmbeddingProgressView.Describe(progress);
        var room = Math.Max(0, width - 1); // the last column would make some terminals wrap
        var hint = Label.Length + barWidth + 1 + describe.Length + Hint.Length <= room ? Hint : string.Empty;
        barWidth = Math.Clamp(room - Label.Length - 1 - describe.Length - hint.Length, Math.Min(10, barWidth), barWidth);
        var textRoom = Math.Max(0, room - Label.Length - barWidth - 1);
        if (describe.Length > textRoom)
        {
            describe = describe[..textRoom];
        }

        var filled = progress.Total == 0 ? 0 : (int)Math.Round(barWidth * (double)progress.Done / progress.Total);
        return $"\u001b[90m{Label}\u001b[0m\u001b[32m{new string('━', filled)}\u001b[90m{new string('━', barWidth - filled)}\u001b[0m {describe}" +
            (hint.Length == 0 ? string.Empty : $"\u001b[90m{hint}\u001b[0m");
    }

    /// <summary>Stops updating and clears the bottom row.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    private async Task RunAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested && _index.Embedding.IsPending)
            {
                Write($"\u001b7\u001b[{_rows};1H\u001b[2K{Line(_index.Embedding, width: TerminalWidth())}\u001b8");
                await Task.Delay(Interval, _stop.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // Disposed: clear below.
        }
        finally
        {
            // Whole screen scrolls again; the bar row is cleared. The cursor stays where the user is typing.
            Write($"\u001b7\u001b[r\u001b[{_rows};1H\u001b[2K\u001b8");
        }
    }

    private static int TerminalWidth()
    {
        try
        {
            return System.Console.WindowWidth > 0 ? System.Console.WindowWidth : 80;
        }
        catch (IOException)
        {
            return 80;
        }
    }

    // One Write per redraw: the console writer is synchronised per call, so a redraw never splits another thread's write.
    private void Write(string text)
    {
        _output.Write(text);
        _output.Flush();
    }
}
