namespace RagAssistant.LlamaCpp.Runtime;

/// <summary>
/// Holds back streamed text that could be the start of a stop sequence, so stop sequences are never
/// emitted, even when they arrive split across tokens.
/// </summary>
internal sealed class StopSequenceBuffer
{
    private readonly string[] _stops;
    private string _pending = string.Empty;

    public StopSequenceBuffer(IEnumerable<string>? stopSequences) =>
        _stops = stopSequences?.Where(s => !string.IsNullOrEmpty(s)).Distinct().ToArray() ?? [];

    /// <summary>True once a stop sequence was seen.</summary>
    public bool Stopped { get; private set; }

    /// <summary>Adds text; returns what can be shown now.</summary>
    public string Append(string text)
    {
        if (Stopped || text.Length == 0)
        {
            return string.Empty;
        }

        if (_stops.Length == 0)
        {
            return text;
        }

        _pending += text;
        var stopAt = -1;
        foreach (var stop in _stops)
        {
            var at = _pending.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0 && (stopAt < 0 || at < stopAt))
            {
                stopAt = at;
            }
        }

        if (stopAt >= 0)
        {
            Stopped = true;
            var before = _pending[..stopAt];
            _pending = string.Empty;
            return before;
        }

        var keep = LongestStopPrefixSuffix(_pending);
        var emit = _pending[..^keep];
        _pending = _pending[^keep..];
        return emit;
    }

    /// <summary>Releases what was held back (generation ended without a stop sequence).</summary>
    public string Flush()
    {
        var rest = Stopped ? string.Empty : _pending;
        _pending = string.Empty;
        return rest;
    }

    private int LongestStopPrefixSuffix(string text)
    {
        var best = 0;
        foreach (var stop in _stops)
        {
            for (var length = Math.Min(stop.Length - 1, text.Length); length > best; length--)
            {
                if (text.AsSpan(text.Length - length).SequenceEqual(stop.AsSpan(0, length)))
                {
                    best = length;
                    break;
                }
            }
        }

        return best;
    }
}
