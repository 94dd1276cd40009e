using System.ComponentModel.DataAnnotations;

namespace RagAssistant.Hosting.OpenAICompatible;

/// <summary>
/// A model served over the OpenAI API. Bound as named options from the <c>ChatModel</c> section (name
/// <see cref="ChatName"/>) and the <c>EmbeddingModel</c> section (name <see cref="EmbeddingName"/>) when their
/// <c>Provider</c> is <c>OpenAICompatible</c>, and validated at start-up.
/// </summary>
public sealed class OpenAICompatibleModelOptions : IValidatableObject
{
    // The OpenAI operations the client appends to the base URL.
    private static readonly string[] Operations = ["/chat/completions", "/completions", "/embeddings"];

    /// <summary>The options name (and configuration section) of the chat model.</summary>
    public const string ChatName = "ChatModel";

    /// <summary>The options name (and configuration section) of the embedding model.</summary>
    public const string EmbeddingName = "EmbeddingModel";

    /// <summary>
    /// Base URL of the server's OpenAI API, up to and including the version segment, e.g.
    /// <c>http://127.0.0.1:11434/v1</c> (Ollama) or <c>http://gpu-box:8000/v1</c> (vLLM).
    /// </summary>
    [Required(ErrorMessage = "Endpoint is required with Provider OpenAICompatible: the server's base URL, e.g. http://127.0.0.1:11434/v1.")]
    public string? Endpoint { get; set; }

    /// <summary>The model name the server knows it by (e.g. <c>qwen2.5:0.5b</c> in Ollama); sent as <c>model</c>.</summary>
    [Required(ErrorMessage = "ModelId is required with Provider OpenAICompatible: the model name the server serves, e.g. qwen2.5:0.5b.")]
    public string? ModelId { get; set; }

    /// <summary>
    /// Bearer token for servers that require one; optional. Keep it out of appsettings.json: set the environment
    /// variable <c>ChatModel__ApiKey</c> (or <c>EmbeddingModel__ApiKey</c>).
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>
    /// The server's context window in tokens (prompt and answer together). The prompt is packed to fit it with a
    /// conservative token estimate, since the OpenAI API cannot count tokens; set it to the context the server was
    /// started with (Ollama's num_ctx, vLLM's --max-model-len, llama-server's --ctx-size). Chat only.
    /// </summary>
    [Range(256, 1_048_576, ErrorMessage = "ContextSize must be between 256 and 1048576 tokens: the server's context window.")]
    public int ContextSize { get; set; } = 4096;

    /// <summary>
    /// How long to wait for the server: for its reply to start and then for each piece of a streamed answer. A
    /// generation request is sent once, never retried (a slow server would get copies), so past this the answer fails
    /// with a message naming this setting. Raise it for a slow server or a long prompt on a CPU.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "Timeout must be between 00:00:01 and 01:00:00: how long to wait for the server's reply.")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>The endpoint as a URI; valid once validation has passed.</summary>
    internal Uri EndpointUri => new(Endpoint!, UriKind.Absolute);

    /// <summary>
    /// The rules data annotations cannot express: <see cref="Endpoint"/> is an absolute http or https URL with a host,
    /// and the base URL, not an operation's (the client appends <c>/chat/completions</c> itself).
    /// </summary>
    /// <param name="validationContext">The validation context (unused).</param>
    /// <returns>One result naming <see cref="Endpoint"/> when it is not such a URL; none otherwise.</returns>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // [Url] would pass ftp:// (and a bare "http://"); the OpenAI client speaks HTTP only. Empty is [Required]'s.
        Uri? uri = null;
        if (!string.IsNullOrWhiteSpace(Endpoint)
            && !(Uri.TryCreate(Endpoint, UriKind.Absolute, out uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) && uri.Host.Length > 0))
        {
            yield return new ValidationResult(
                $"Endpoint must be an absolute http:// or https:// URL, e.g. http://127.0.0.1:11434/v1; it is \"{Endpoint}\".",
                [nameof(Endpoint)]);
        }
        else if (uri is not null && Operations.FirstOrDefault(o => uri.AbsolutePath.TrimEnd('/').EndsWith(o, StringComparison.OrdinalIgnoreCase)) is { } operation)
        {
            // Refused rather than trimmed: the requests would go to .../chat/completions/chat/completions and fail as 404.
            yield return new ValidationResult(
                $"Endpoint must be the server's base URL ending in /v1, without {operation}, e.g. {uri.GetLeftPart(UriPartial.Authority)}{uri.AbsolutePath.TrimEnd('/')[..^operation.Length]}; it is \"{Endpoint}\".",
                [nameof(Endpoint)]);
        }
    }
}
