using System.ComponentModel.DataAnnotations;

namespace RagAssistant.Hosting.Application;

/// <summary>
/// The limits every question obeys, whichever front end it comes through (<c>ask</c>, <c>chat</c>, <c>/api/ask</c>,
/// <c>/v1/chat/completions</c>, <c>/api/search</c>). Bound from the "Ask" section of appsettings.json.
/// </summary>
public sealed class AskOptions
{
    /// <summary>Configuration section the options are bound from.</summary>
    public const string SectionName = "Ask";

    /// <summary>Longest question (or search query) accepted, in characters, after trimming.</summary>
    [Range(16, 100_000)]
    public int MaxQuestionChars { get; set; } = 4_000;

    /// <summary>Most earlier conversation messages (user and assistant) accepted with a question.</summary>
    [Range(0, 200)]
    public int MaxHistoryMessages { get; set; } = 20;

    /// <summary>Most sources (or search hits) a question may ask for; the default count comes from <c>Retrieval:TopK</c>.</summary>
    [Range(1, 100)]
    public int MaxTopK { get; set; } = 20;
}
