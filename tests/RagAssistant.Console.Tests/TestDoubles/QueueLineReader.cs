using RagAssistant.Console.Chat;

namespace RagAssistant.Console.Tests.TestDoubles;

/// <summary>Returns queued lines (or Ctrl+C / Ctrl+D inputs) as if typed, then end of input.</summary>
internal sealed class QueueLineReader(params LineInput[] inputs) : ILineReader
{
    private readonly Queue<LineInput> queue = new(inputs);

    public QueueLineReader(params string[] lines)
        : this(lines.Select(l => new LineInput(LineInputKind.Line, l)).ToArray())
    {
    }

    private int reads;

    public int Remaining => queue.Count;

    /// <summary>Called with the 0-based number of each read, before it returns its line.</summary>
    public Action<int>? BeforeRead { get; set; }

    public LineInput ReadLine(string prompt)
    {
        BeforeRead?.Invoke(reads++);
        return queue.Count > 0 ? queue.Dequeue() : LineInput.EndOfInput;
    }
}
