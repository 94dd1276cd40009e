namespace RagAssistant.Core.Answering;

/// <summary>
/// A model's server failed, the chat model's or the embedding model's (an error status, nothing listening, no reply
/// in time, no answer text, an answer cut off mid-stream). The message is one line that names the server and the
/// setting to fix; front ends show it alone, and the stack trace is for Debug logs only, since the fault is outside
/// the assistant.
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

    /// <summary>
    /// The answer text the server had sent before it failed, for a caller that took the answer whole
    /// (<see cref="AnswerCompletedUpdate.ResultOfAsync"/>); incomplete by definition. Null when there was none, or when
    /// the answer was streamed (its reader has the text already).
    /// </summary>
    public string? PartialAnswer { get; init; }
}
