namespace RagAssistant.Hosting;

/// <summary>The configuration cannot work (a named model file is missing, ...); the message says what to do.</summary>
public sealed class AssistantConfigurationException : Exception
{
    public AssistantConfigurationException(string message)
        : base(message)
    {
    }

    public AssistantConfigurationException()
    {
    }

    public AssistantConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
