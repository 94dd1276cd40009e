namespace RagAssistant.Core.Answering;

/// <summary>
/// The chat model's server failed (an error status, nothing listening, no reply in time, no answer text, an answer
/// cut off mid-stream). The message is one line that names the server and the setting to fix; front ends show it
/// alone, and the stack trace is for Debug logs only, since the fault is outside the assistant.
/// </summary>
public sealed class ModelServerException : Exception
{
    /// <summary>Creates the exception (for serializers and analyzers).</summary>
    public ModelServerException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">One line: what the server did, and what to do.</param>
    public ModelServerException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">One line: what the server did, and what to do.</param>
    /// <param name="innerException">The client's own exception, if any.</param>
    public ModelServerException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
