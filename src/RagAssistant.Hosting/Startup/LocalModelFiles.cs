using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using RagAssistant.Core;
using RagAssistant.Hosting.Composition;
using RagAssistant.Hosting.Models;
using RagAssistant.LlamaCpp.Chat;
using RagAssistant.LlamaCpp.Embeddings;

namespace RagAssistant.Hosting.Startup;

/// <summary>A GGUF model file the configuration names for in-process inference, and whether it is on disk.</summary>
/// <param name="Role">"chat" or "embedding", as models/models.json names roles.</param>
/// <param name="Path">The absolute path the file is (or would be) loaded from.</param>
/// <param name="IsPresent">True when the file exists.</param>
/// <param name="CommandLineOption">The option that named the file (<c>--model</c>, <c>--embedding-model</c>), or null when it comes from configuration.</param>
public sealed record LocalModelFile(string Role, string Path, bool IsPresent, string? CommandLineOption);

/// <summary>
/// The local model files the assistant runs on, read from configuration when first resolved (the disk is probed
/// then, never while services are registered). Whether a client resolves, and the start-up's notices, follow it.
/// </summary>
public sealed class LocalModelFiles
{
    private readonly IConfiguration _configuration;

    /// <summary>Probes the files the configuration names.</summary>
    /// <param name="configuration">The application's configuration (model paths, providers, command-line overrides).</param>
    /// <exception cref="ArgumentNullException"><paramref name="configuration"/> is null.</exception>
    public LocalModelFiles(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        _configuration = configuration;
        var chatProvider = ModelProviders.ResolveChat(configuration, out _);
        var localChat = chatProvider == ChatModelProvider.LlamaSharp && !configuration.GetValue<bool>(CommandLineOverrides.RetrievalOnlyKey);
        Chat = localChat
            ? Probe(LlamaChatClientOptions.SectionName, CommandLineOverrides.RequireChatModelKey, "--model", "chat")
            : null;
        Embedding = ModelProviders.ResolveEmbedding(configuration, out _) == EmbeddingProvider.Gguf
            ? Probe(LlamaEmbeddingGeneratorOptions.SectionName, CommandLineOverrides.RequireEmbeddingModelKey, "--embedding-model", "embedding")
            : null;
    }

    /// <summary>
    /// The chat model file, or null when the chat model is not a local GGUF (a server, retrieval-only, none configured).
    /// Probed at start; probed again by <see cref="ProbeChatAgain"/> once a download has put the file in place.
    /// </summary>
    public LocalModelFile? Chat { get => Volatile.Read(ref _chat); private set => Volatile.Write(ref _chat, value); }

    private LocalModelFile? _chat;

    /// <summary>The embedding model file, or null unless <c>EmbeddingModel:Provider</c> is Gguf and a path is configured.</summary>
    public LocalModelFile? Embedding { get; }

    /// <summary>
    /// The exception that stopped the first local model that failed to load (e.g. a <c>ModelFileException</c> for a
    /// file that is not GGUF), or null. The start-up reports it; the service answers 503 with it.
    /// </summary>
    public Exception? LoadFailure => _failures.Values.FirstOrDefault();

    private readonly ConcurrentDictionary<string, Exception> _failures = new(StringComparer.Ordinal);

    /// <summary>
    /// Loads a local model's client once: null when <paramref name="file"/> is not downloaded or already failed to
    /// load. A failure is recorded in <see cref="LoadFailure"/>, not thrown, because dependency injection does not
    /// cache a factory's exception: every request resolving a handler would load the file again and answer 500.
    /// </summary>
    /// <typeparam name="TClient">The client (chat client, embedding generator, tokenizer).</typeparam>
    /// <param name="file">The model file, or null when none is configured.</param>
    /// <param name="load">Builds the client, loading the file.</param>
    /// <returns>The client, or null.</returns>
    internal TClient? Load<TClient>(LocalModelFile? file, Func<TClient> load)
        where TClient : class
    {
        if (file is not { IsPresent: true } || _failures.ContainsKey(file.Role))
        {
            return null;
        }

        try
        {
            return load();
        }
        catch (Exception ex)
        {
            _failures.TryAdd(file.Role, ex);
            return null;
        }
    }

    /// <summary>Checks again whether the chat model file exists (a download has just saved it) and updates <see cref="Chat"/>.</summary>
    /// <returns>The chat model file as it is now, or null when the chat model is not a local GGUF.</returns>
    internal LocalModelFile? ProbeChatAgain() =>
        Chat = Chat is { } chat ? chat with { IsPresent = File.Exists(chat.Path) } : null;

    private LocalModelFile? Probe(string section, string requireKey, string option, string role)
    {
        var configured = _configuration[$"{section}:ModelPath"];
        if (string.IsNullOrWhiteSpace(configured))
        {
            return null;
        }

        var path = LocalPathResolver.Resolve(configured);
        return new LocalModelFile(role, path, File.Exists(path), _configuration.GetValue<bool>(requireKey) ? option : null);
    }
}

/// <summary>
/// <see cref="LocalModelFiles"/> as options validated at start: a file named on the command line must exist; a
/// configured default that is not downloaded yet only means retrieval-only answers (or BM25 only retrieval).
/// </summary>
internal sealed class LocalModelFilesOptions
{
    /// <summary>The chat model file, or null when the chat model is not a local GGUF.</summary>
    public LocalModelFile? Chat { get; set; }

    /// <summary>The GGUF embedding model file, or null.</summary>
    public LocalModelFile? Embedding { get; set; }
}

/// <summary>Fails start-up when a model file named on the command line does not exist; a missing default is only a notice.</summary>
internal sealed class LocalModelFilesOptionsValidator : IValidateOptions<LocalModelFilesOptions>
{
    public ValidateOptionsResult Validate(string? name, LocalModelFilesOptions options)
    {
        var failures = new[] { options.Chat, options.Embedding }
            .Where(file => file is { IsPresent: false, CommandLineOption: not null })
            // Worded for every front end: the service has no console command to offer, and the default model's own
            // notice (when it is missing too) already says how each front end fetches it.
            .Select(file => $"The {file!.Role} model file {file.Path} (from {file.CommandLineOption}) does not exist. Check the path, or leave out {file.CommandLineOption} to use {(file.Role == "chat" ? "ChatModel" : "EmbeddingModel")}:ModelPath from appsettings.json.")
            .ToList();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
