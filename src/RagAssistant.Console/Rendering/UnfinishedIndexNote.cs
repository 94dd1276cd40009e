using RagAssistant.Core.Retrieval;

namespace RagAssistant.Console.Rendering;

/// <summary>
/// The note on an unfinished semantic index (<see cref="EmbeddingProgressView.WriteUnfinishedOnExit"/>) for a command
/// that may end before the vectors are all embedded (the chat, <c>ask</c>, <c>index</c>, <c>eval</c>), said once: when
/// the command ends, or at the Ctrl+C that ends the process, which the runtime ends without running the command's
/// <c>finally</c> blocks.
/// </summary>
/// <param name="terminal">Where to write (its standard error).</param>
/// <param name="index">The corpus index, or null without one (then there is nothing to say).</param>
internal sealed class UnfinishedIndexNote(Cli.Terminal terminal, ICorpusIndex? index)
{
    private int _written;

    /// <summary>Writes the note unless it was written before; nothing when the vectors are all embedded.</summary>
    public void WriteOnce()
    {
        if (Interlocked.Exchange(ref _written, 1) == 0)
        {
            EmbeddingProgressView.WriteUnfinishedOnExit(terminal, index);
        }
    }

    /// <summary>
    /// Writes the note at a Ctrl+C (SIGINT) that ends the process, until the returned scope is disposed. The Ctrl+C
    /// still ends the process (exit code 130); a command that handles Ctrl+C itself calls <see cref="WriteOnce"/> instead.
    /// </summary>
    public IDisposable WriteOnInterrupt()
    {
        void OnCancelKeyPress(object? sender, ConsoleCancelEventArgs e) => WriteOnce();
        System.Console.CancelKeyPress += OnCancelKeyPress;
        return new Subscription(() => System.Console.CancelKeyPress -= OnCancelKeyPress);
    }

    private sealed class Subscription(Action unsubscribe) : IDisposable
    {
        public void Dispose() => unsubscribe();
    }
}
