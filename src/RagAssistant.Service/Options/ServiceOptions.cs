using System.ComponentModel.DataAnnotations;

namespace RagAssistant.Service.Options;

/// <summary>
/// Settings of the hosted service, bound from the "Service" section of appsettings.json and validated at start by
/// <see cref="ServiceOptionsValidator"/>: the ranges below, and a service reachable from other machines must have an API key.
/// </summary>
internal sealed class ServiceOptions : IValidatableObject
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

    /// <summary>
    /// Host names the service answers besides loopback's, separated by <c>;</c>, with ASP.NET Core's host-filtering
    /// patterns (<c>assistant.example.org;*.lab.example.org</c>, ports ignored): the name a reverse proxy forwards as
    /// <c>Host</c>, or from which it serves the web chat. Unset, a service on loopback answers only <c>localhost</c>,
    /// <c>127.0.0.1</c> and <c>[::1]</c> (closing DNS rebinding), and one beyond loopback any name; <c>*</c> answers any name.
    /// </summary>
    public string? AllowedHosts { get; set; }

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

    /// <summary>Largest document accepted by <c>POST /api/documents</c>, in bytes (that endpoint's own body limit is derived from it).</summary>
    [Range(1_024, 256 * 1024 * 1024)]
    public long MaxDocumentBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>Documents accepted in one <c>POST /api/documents</c>.</summary>
    [Range(1, 100)]
    public int MaxDocumentsPerUpload { get; set; } = 10;

    /// <summary>Uploaded documents kept at once in the corpus folder's <c>uploads</c> folder; more are refused until some are removed.</summary>
    [Range(1, 100_000)]
    public int MaxUploadedDocuments { get; set; } = 200;

    /// <summary>Re-index the corpus when files in its folder are added, changed or removed.</summary>
    public bool WatchCorpus { get; set; } = true;

    /// <summary>
    /// The addresses the service listens on, as <see cref="ListenAddresses.FromConfiguration"/> reads them from the
    /// host's settings (<c>--urls</c>, <c>http_ports</c>, <c>Kestrel:Endpoints</c>), not from the "Service" section;
    /// set when the options are configured so the API-key rule can be checked with the other rules.
    /// </summary>
    internal IReadOnlyList<string> ListenUrls { get; set; } = [];

    /// <summary>The names of a <c>;</c>-separated host list such as <see cref="AllowedHosts"/>.</summary>
    internal static string[] SplitHosts(string? hosts) =>
        hosts?.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];

    /// <summary>
    /// What data annotations cannot check: a usable API key, and one whenever the service listens beyond loopback.
    /// The messages name the setting themselves, so they carry no member name.
    /// </summary>
    /// <param name="validationContext">Unused: every rule reads only these options.</param>
    /// <returns>The broken rules, each with what to do; none when the options are usable.</returns>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var host in SplitHosts(AllowedHosts).Where(h => h.Contains('/', StringComparison.Ordinal) || h.Contains(' ', StringComparison.Ordinal)))
        {
            yield return new ValidationResult(
                $"Service:AllowedHosts holds '{host}', which is not a host name: list names only, separated by ';' (e.g. assistant.example.org;*.lab.example.org), without scheme or path.");
        }

        // An address Kestrel would misread (a port that is no number binds every interface on port 80) is refused
        // before the loopback check below trusts its host name.
        var malformed = ListenUrls.Select(url => (Url: url, Problem: ListenAddresses.Problem(url))).Where(x => x.Problem is not null).ToList();
        foreach (var (url, problem) in malformed)
        {
            yield return new ValidationResult(
                $"The listen address '{url}' (--urls) is not one to listen on: {problem}. Use http://HOST:PORT, e.g. --urls http://127.0.0.1:5080.");
        }

        if (malformed.Count > 0)
        {
            yield break;
        }

        if (ApiKey is { } key && key.Trim().Length < 16)
        {
            yield return new ValidationResult(
                "Service:ApiKey is shorter than 16 characters; use a long random value (e.g. `openssl rand -hex 32`).");
            yield break;
        }

        if (!string.IsNullOrWhiteSpace(ApiKey))
        {
            yield break;
        }

        // Without a key the corpus would be served to whoever can reach the port: refuse to start instead.
        var exposed = ListenUrls.Where(url => !ListenAddresses.IsLoopback(url)).ToList();
        if (exposed.Count > 0)
        {
            yield return new ValidationResult(
                $"The service is configured to listen on {string.Join(", ", exposed)}, which other machines can reach, " +
                "but no API key is set. Set Service:ApiKey (appsettings.json or the environment variable Service__ApiKey) " +
                "to a long random secret, or listen on loopback only (--urls http://127.0.0.1:PORT).");
        }
    }
}
