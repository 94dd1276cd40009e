using System.Text;

namespace RagAssistant.Core.Answering;

/// <summary>
/// Drops the reasoning block a reasoning model writes before its answer (<c>&lt;think&gt;…&lt;/think&gt;</c>: Qwen3,
/// DeepSeek-R1, served by Ollama or llama-server) from the streamed answer text, so it is neither shown nor parsed for
/// citations: "Source [3] is irrelevant" in the reasoning cited [3]. Only a block that opens the answer (after white
/// space) is reasoning; the tag anywhere else is the answer's own text. The tags may arrive split across pieces.
/// </summary>
internal sealed class ReasoningBlockFilter
{
    private const string Open = "<think>";
    private const string Close = "</think>";

    private readonly StringBuilder _pending = new();
    private State _state = State.Start;

    private enum State
    {
        Start,
        Reasoning,
        AfterReasoning,
        Passing,
    }

    /// <summary>True once a reasoning block was dropped.</summary>
    public bool DroppedReasoning { get; private set; }

    /// <summary>The answer text of the next streamed piece: empty while a reasoning block (or what may open one) is read.</summary>
    /// <param name="text">The piece as the model streamed it.</param>
    /// <returns>The text to show and parse; pieces held back come out with a later one or <see cref="Flush"/>.</returns>
    public string Push(string text)
    {
        if (_state == State.Passing)
        {
            return text;
        }

        _pending.Append(text);
        var buffered = _pending.ToString();
        if (_state == State.Start)
        {
            var trimmed = buffered.TrimStart();
            if (trimmed.Length < Open.Length && Open.StartsWith(trimmed, StringComparison.OrdinalIgnoreCase))
            {
                return string.Empty; // "", "<", "<th": may still open a block
            }

            if (!trimmed.StartsWith(Open, StringComparison.OrdinalIgnoreCase))
            {
                return Pass(buffered);
            }

            _state = State.Reasoning;
            DroppedReasoning = true;
            buffered = trimmed[Open.Length..];
        }

        if (_state == State.Reasoning)
        {
            var end = buffered.IndexOf(Close, StringComparison.OrdinalIgnoreCase);
            if (end < 0)
            {
                // Only the tail that may be the start of a split closing tag is kept.
                _pending.Clear().Append(buffered.AsSpan(Math.Max(0, buffered.Length - (Close.Length - 1))));
                return string.Empty;
            }

            _state = State.AfterReasoning;
            buffered = buffered[(end + Close.Length)..];
        }

        // The white space after the block is no part of the answer.
        var answer = buffered.TrimStart();
        if (answer.Length == 0)
        {
            _pending.Clear();
            return string.Empty;
        }

        return Pass(answer);
    }

    /// <summary>What was held back at the end of the stream: white space or a partial tag before any answer; nothing of an unclosed reasoning block.</summary>
    public string Flush()
    {
        var rest = _state == State.Start ? _pending.ToString() : string.Empty;
        _pending.Clear();
        return rest;
    }

    private string Pass(string text)
    {
        _state = State.Passing;
        _pending.Clear();
        return text;
    }
}
