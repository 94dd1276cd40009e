namespace RagAssistant.Core.Answering;

/// <summary>Assistant-wide switches. Bound from "Assistant".</summary>
public sealed class AssistantOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "Assistant";

    /// <summary>Answer with extracted, cited sentences even when a chat model is available.</summary>
    public bool RetrievalOnly { get; set; }
}
