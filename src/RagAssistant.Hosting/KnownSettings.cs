using System.Collections;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.CommandLine;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using RagAssistant.Core.Answering;
using RagAssistant.Core.Evidence;
using RagAssistant.Core.Ingestion;
using RagAssistant.Core.Retrieval;
using RagAssistant.Hosting.Application;
using RagAssistant.Hosting.Conversations;
using RagAssistant.Hosting.Models;
using RagAssistant.Hosting.OpenAICompatible;
using RagAssistant.LlamaCpp;
using RagAssistant.LlamaCpp.Chat;
using RagAssistant.LlamaCpp.Embeddings;
using RagAssistant.Onnx.Embeddings;

namespace RagAssistant.Hosting;

/// <summary>
/// Refuses a <c>--Section:Key=value</c> setting of the command line that nothing reads, which the configuration would
/// otherwise ignore without a word (a typo such as <c>--Retrieval:TopKK=3</c> would run with the default). Each
/// setting is bound, as the host binds its section, into the options classes of that section
/// (<see cref="Sections"/>) with <see cref="BinderOptions.ErrorOnUnknownConfiguration"/>: the configuration binder
/// itself says whether a key names a property, nested ones included. A section no options class binds is unknown
/// unless the composition reads it directly (the providers, the <c>Assistant:</c> switches, <c>Logging:</c>) or
/// another configuration source (appsettings.json) already has the key; a key of a section this program reads none of
/// (the service's <c>Service</c> section given to the console) is refused too, as a setting of another program, rather
/// than ignored whatever its value. The same names are checked in appsettings.json (<see cref="AssistantSettingsFile"/>)
/// and in the environment (<c>Retrieval__TopKK</c>), and refused the same way, saying where: there only names of a
/// section this program reads, or a near miss of one (<c>Retreival</c>), since the shared file holds the other front
/// end's sections and the environment every program's variables. One check for both front ends: the console runs it
/// before building its host, the service before building its web application; each refuses an unknown name as bad
/// usage (exit code 2).
/// </summary>
public static class KnownSettings
{
    /// <summary>
    /// The sections the assistant's options classes are bound from. A section two classes bind (the chat model's
    /// llama.cpp and OpenAI-compatible settings) knows the keys of both: which one binds depends on its provider.
    /// </summary>
    public static IReadOnlyList<SettingsSection> Sections { get; } =
    [
        new(AskOptions.SectionName, typeof(AskOptions)),
        new(ModelsOptions.SectionName, typeof(ModelsOptions)),
        new(ConversationOptions.SectionName, typeof(ConversationOptions)),
        new(AssistantOptions.SectionName, typeof(AssistantOptions)),
        new(AnsweringOptions.SectionName, typeof(AnsweringOptions)),
        new(EvidenceOptions.SectionName, typeof(EvidenceOptions)),
        new(CorpusOptions.SectionName, typeof(CorpusOptions)),
        new(RetrievalOptions.SectionName, typeof(RetrievalOptions)),
        new(LlamaRuntimeOptions.SectionName, typeof(LlamaRuntimeOptions)),
        new(LlamaChatClientOptions.SectionName, typeof(LlamaChatClientOptions), typeof(OpenAICompatibleModelOptions)),
        new(LlamaEmbeddingGeneratorOptions.SectionName, typeof(LlamaEmbeddingGeneratorOptions), typeof(OpenAICompatibleModelOptions)),
        new(ArcticEmbeddingGeneratorOptions.SectionName, typeof(ArcticEmbeddingGeneratorOptions)),
    ];

    // Read by the composition from the configuration directly, not through an options class; each name covers the
    // keys under it (Logging's are free-form log categories).
    private static readonly string[] ReadDirectly =
    [
        "ChatModel:Provider",
        "EmbeddingModel:Provider",
        CommandLineOverrides.RequireChatModelKey,
        CommandLineOverrides.RequireEmbeddingModelKey,
        CommandLineOverrides.RetrievalOnlyKey,
        ConversationOptions.ConnectionStringKey,
        "Logging",
    ];

    /// <summary>The first setting of <paramref name="settings"/> that nothing reads, worded for the user; null when all are known.</summary>
    /// <param name="settings">The command-line tokens left for the configuration (<c>--Section:Key=value</c> or <c>--Section:Key value</c>); tokens not starting with <c>--</c> are values and are skipped.</param>
    /// <param name="configuration">The host's configuration, whose other sources (appsettings.json, the environment) name settings too.</param>
    /// <param name="frontEnd">What the front end reads besides the assistant's options: its own options sections, and names its host reads directly (e.g. <c>urls</c>, <c>Kestrel</c>). Null for none.</param>
    /// <returns>"unknown option --bogus: see --help ..." for a name without a section; "unknown setting Bogus:Key on the command line: no part of the assistant reads it." with the closest known name when one is close ("unknown setting Retreival:TopK in /path/appsettings.json: ..." or "... in the environment (Retrieval__TopKK): ..." for a name found there), "the console does not read Service: settings, the service does: give --Service:WatchCorpus to the service, ..." for a section only another front end reads, or null.</returns>
    public static string? FindUnknown(IReadOnlyList<string> settings, IConfigurationRoot configuration, FrontEndSettings? frontEnd = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(configuration);
        var sources = configuration.Providers.Where(p => p is not CommandLineConfigurationProvider).ToList();
        var readDirectly = ReadDirectly.Concat(frontEnd?.ReadDirectly ?? []).ToList();
        var sections = Sections.Concat(frontEnd?.Sections ?? []).ToList();
        foreach (var token in settings.Where(t => t.StartsWith("--", StringComparison.Ordinal)))
        {
            var key = token[2..].Split('=', 2)[0];
            if (!IsKnown(key, sources, readDirectly, sections))
            {
                var known = sections.SelectMany(s => s.Options.SelectMany(type => Paths(s.Name, type, depth: 0)))
                    .Concat(sources.SelectMany(SecondLevelKeys))
                    .Concat(readDirectly);
                // "--bogus" has no section: it reads as a mistyped option, not a setting.
                return key.Contains(':', StringComparison.Ordinal)
                    ? Refusal(key, "on the command line", known)
                    : $"unknown option --{key}: see --help for the options; a setting is written --Section:Key=value (e.g. --Retrieval:TopK=3).";
            }

            // Known only because appsettings.json has it for another front end (the service's Service section for the
            // console): this program would ignore it, whatever its value, so it is refused as a name it does not read.
            var section = key.Split(':', 2)[0];
            if (!sections.Select(s => s.Name).Concat(readDirectly).Any(name => name.Split(':', 2)[0].Equals(section, StringComparison.OrdinalIgnoreCase)))
            {
                var program = frontEnd?.Program ?? FrontEndSettings.ThisProgram;
                var reader = frontEnd?.OtherPrograms?.FirstOrDefault(p => p.Key.Equals(section, StringComparison.OrdinalIgnoreCase)).Value;
                return reader is null
                    ? $"{program} does not read {section}: settings, another program that shares the settings file does: leave --{key} out here."
                    : $"{program} does not read {section}: settings, {reader} does: give --{key} to {reader}, or leave it out here.";
            }
        }

        return FindUnknownInFilesAndEnvironment(configuration, readDirectly, sections);
    }

    // The same check for the settings files (appsettings.json) and the environment, refused the same way, with where the
    // name was found. Only names of a section this program reads, or a near miss of one (Retreival), are checked: the
    // shared appsettings.json holds the other front end's sections, and the environment every program's variables.
    // An environment variable names a setting only with a section (Retrieval__TopK): PATH or HOME are never one.
    private static string? FindUnknownInFilesAndEnvironment(IConfigurationRoot configuration, IReadOnlyList<string> readDirectly, IReadOnlyList<SettingsSection> sections)
    {
        var ours = sections.Select(s => s.Name).Concat(readDirectly).Select(FirstSegment).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        foreach (var provider in configuration.Providers)
        {
            var environment = provider is EnvironmentVariablesConfigurationProvider;
            if (!environment && AssistantSettingsFile.PathOf(provider) is null)
            {
                continue;
            }

            foreach (var key in LeafKeys(provider, parent: null))
            {
                var section = FirstSegment(key);
                var read = ours.Contains(section, StringComparer.OrdinalIgnoreCase);
                if ((environment && !key.Contains(':', StringComparison.Ordinal))
                    || (!read && SpellingSuggestion.Closest(section, ours) is null)
                    || (read && IsKnown(key, [], readDirectly, sections)))
                {
                    continue;
                }

                var where = environment ? $"in the environment ({EnvironmentVariableOf(key)})" : $"in {AssistantSettingsFile.PathOf(provider)}";
                var known = sections.SelectMany(s => s.Options.SelectMany(type => Paths(s.Name, type, depth: 0))).Concat(readDirectly);
                return Refusal(key, where, known);
            }
        }

        return null;
    }

    // The one wording of an unknown name, wherever it was found ("on the command line", "in /path/appsettings.json",
    // "in the environment (Retrieval__TopKK)"), with the closest known name when one is close.
    private static string Refusal(string key, string where, IEnumerable<string> known) =>
        $"unknown setting {key} {where}: no part of the assistant reads it.{SpellingSuggestion.DidYouMean(key, known)}";

    private static string FirstSegment(string key) => key.Split(':', 2)[0];

    // Every key with a value under parent (Retrieval:Bm25:K1), as the provider spells it.
    private static IEnumerable<string> LeafKeys(IConfigurationProvider provider, string? parent)
    {
        foreach (var child in provider.GetChildKeys([], parent).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            var path = parent is null ? child : $"{parent}:{child}";
            var nested = LeafKeys(provider, path).ToList();
            if (nested.Count == 0)
            {
                yield return path;
            }

            foreach (var key in nested)
            {
                yield return key;
            }
        }
    }

    // The variable as the user set it (Retrieval__TopKK, or with a DOTNET_ prefix), for the message.
    private static string EnvironmentVariableOf(string key) =>
        Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Where(name => name.Replace("__", ":", StringComparison.Ordinal).EndsWith(key, StringComparison.OrdinalIgnoreCase))
            .OrderBy(name => name.Length)
            .FirstOrDefault() ?? key.Replace(":", "__", StringComparison.Ordinal);

    private static bool IsKnown(string key, IReadOnlyList<IConfigurationProvider> sources, IReadOnlyList<string> readDirectly, IReadOnlyList<SettingsSection> sections) =>
        readDirectly.Any(name => key.Equals(name, StringComparison.OrdinalIgnoreCase) || key.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase) || IsAbove(key, name))
        || sections.Any(s => key.Equals(s.Name, StringComparison.OrdinalIgnoreCase) || IsAbove(key, s.Name) || s.Binds(key))
        || sources.Any(p => p.TryGet(key, out _) || p.GetChildKeys([], key).Any());

    // A section above a known name counts too: hosts that flatten their configuration into arguments (the test host's
    // UseSetting) pass each parent section ("ConnectionStrings") as an empty setting of its own.
    private static bool IsAbove(string key, string name) => name.StartsWith(key + ":", StringComparison.OrdinalIgnoreCase);

    // Every setting path an options class binds, for the suggestion.
    private static IEnumerable<string> Paths(string prefix, Type type, int depth)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
        {
            var path = $"{prefix}:{property.Name}";
            yield return path;
            var propertyType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (depth < 3 && propertyType.IsClass && propertyType != typeof(string) && !typeof(IEnumerable).IsAssignableFrom(propertyType))
            {
                foreach (var nested in Paths(path, propertyType, depth + 1))
                {
                    yield return nested;
                }
            }
        }
    }

    // Section:Key names another configuration source (appsettings.json) has, for the suggestion.
    private static IEnumerable<string> SecondLevelKeys(IConfigurationProvider provider) =>
        provider.GetChildKeys([], null).Distinct(StringComparer.OrdinalIgnoreCase)
            .SelectMany(section => provider.GetChildKeys([], section).Distinct(StringComparer.OrdinalIgnoreCase).Select(key => $"{section}:{key}"));
}

/// <summary>A configuration section and the options classes bound from it (<see cref="KnownSettings"/>).</summary>
/// <param name="Name">The section's path, e.g. <c>Retrieval</c> or <c>EmbeddingModel:Bundled</c>.</param>
/// <param name="Options">The classes bound from it; a key is known when one of them has it.</param>
public sealed record SettingsSection(string Name, params Type[] Options)
{
    /// <summary>
    /// Whether <paramref name="key"/> (<c>Retrieval:Bm25:K1</c>) lies in this section and one of its classes binds it:
    /// the key alone, without a value, is bound with <see cref="BinderOptions.ErrorOnUnknownConfiguration"/>, so the
    /// binder refuses it exactly when the host's binding would ignore it.
    /// </summary>
    /// <param name="key">The setting's full path, any case.</param>
    /// <returns>True when the key names a property (nested ones and collection items included).</returns>
    public bool Binds(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!key.StartsWith(Name + ":", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var alone = new ConfigurationBuilder().AddInMemoryCollection([new(key[(Name.Length + 1)..], null)]).Build();
        return Options.Any(type =>
        {
            try
            {
                alone.Get(type, binder => binder.ErrorOnUnknownConfiguration = true);
                return true;
            }
            catch (InvalidOperationException)
            {
                return false;
            }
        });
    }
}

/// <summary>What a front end reads from the configuration besides the assistant's options (<see cref="KnownSettings"/>).</summary>
/// <param name="Sections">The sections of the front end's own options classes.</param>
/// <param name="ReadDirectly">Names its host reads directly, each covering the keys under it (e.g. <c>urls</c>, <c>Kestrel</c>).</param>
public sealed record FrontEndSettings(IReadOnlyList<SettingsSection> Sections, IReadOnlyList<string> ReadDirectly)
{
    /// <summary>What a refusal calls a program that did not say what it is.</summary>
    public const string ThisProgram = "this program";

    /// <summary>What refusals call this front end, e.g. "the console"; <see cref="ThisProgram"/> by default.</summary>
    public string Program { get; init; } = ThisProgram;

    /// <summary>
    /// The sections of the shared settings file that another program reads, by section name, and what to call that
    /// program (<c>Service</c> → "the service"), so that a setting given to the wrong one says which reads it.
    /// </summary>
    public IReadOnlyDictionary<string, string>? OtherPrograms { get; init; }
}
