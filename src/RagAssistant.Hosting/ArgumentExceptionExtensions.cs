namespace RagAssistant.Hosting;

/// <summary>The message of an <see cref="ArgumentException"/> as a sentence for a person, without .NET's parameter suffix.</summary>
public static class ArgumentExceptionExtensions
{
    /// <summary>
    /// The message without the " (Parameter 'name')" that <see cref="ArgumentException.Message"/> appends: the
    /// parameter is a .NET name, and the sentence already says what was wrong and what to send instead.
    /// </summary>
    /// <param name="exception">The refusal of a bad argument.</param>
    /// <returns>"'zzz' is not a page cursor: ...", ending where the thrower's sentence ends.</returns>
    public static string MessageWithoutParameter(this ArgumentException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception.ParamName is null
            ? exception.Message
            : exception.Message.Replace($" (Parameter '{exception.ParamName}')", string.Empty, StringComparison.Ordinal);
    }
}
