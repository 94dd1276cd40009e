using System.ComponentModel.DataAnnotations;

namespace RagAssistant.Service.Options;

/// <summary>Settings of the hosted service, bound from the "Service" section of appsettings.json.</summary>
public sealed class ServiceOptions
{
    /// <summary>Configuration section the options are bound from.</summary>
    public const string SectionName = "Service";

    /// <summary>Address used when neither <c>--urls</c> nor appsettings.json names one: loopback only.</summary>
    public const string DefaultUrl = "http://127.0.0.1:5080";

    /// <summary>
    /// Secret clients send as <c>Authorization: Bearer KEY</c> on /api and /v1. Optional on loopback;
    /// required when the service listens on any other address.
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>Largest request body accepted on any endpoint, in bytes.</summary>
    [Range(1_024, 16 * 1024 * 1024)]
    public long MaxRequestBodyBytes { get; set; } = 64 * 1024;

    /// <summary>Answers generated at the same time (one per model context slot).</summary>
    [Range(1, 64)]
    public int MaxConcurrentAnswers { get; set; } = 1;

    /// <summary>Answers allowed to wait for a slot; beyond that the service answers 429.</summary>
    [Range(0, 10_000)]
    public int MaxQueuedAnswers { get; set; } = 16;

    /// <summary>Value of the Retry-After header sent with 429 and 503 answers.</summary>
    [Range(1, 3_600)]
    public int RetryAfterSeconds { get; set; } = 5;

    /// <summary>
    /// Longest an answer may take once it has a slot (generation included); past it the answer is cancelled and
    /// its slot freed, so a stuck generation cannot hold the model forever.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan AnswerTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long answers in flight may run after shutdown starts before they are cancelled.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Quiet time after the last change in the corpus folder before it is re-indexed.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan ReindexDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Re-index the corpus when files in its folder are added, changed or removed.</summary>
    public bool WatchCorpus { get; set; } = true;
}
