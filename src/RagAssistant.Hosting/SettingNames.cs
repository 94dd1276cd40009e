using System.Collections;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.CommandLine;
using RagAssistant.Core.Retrieval;
using RagAssistant.Hosting.OpenAICompatible;
using RagAssistant.LlamaCpp.Chat;
using RagAssistant.Onnx.Embeddings;

namespace RagAssistant.Hosting;

/// <summary>
/// Refuses a <c>--Section:Key=value</c> setting of the command line that nothing reads, which the configuration would
/// otherwise ignore without a word (a typo such as <c>--Retrieval:TopKK=3</c> would run with the default). A name
/// is known when an options class binds it (its <c>SectionName</c> and properties), when appsettings.json or another
/// configuration source already has it, or when the composition reads it directly (the providers, the
/// <c>Assistant:</c> switches, <c>Logging:</c>). Environment variables are not checked: they are shared by every
/// program. One check for both front ends: the console runs it before building its host, the service before building
/// its web application; each refuses an unknown name as bad usage (exit code 2).
/// </summary>
public static class SettingNames
{
    // Read by the composition from the configuration directly, not through an options class; each name covers the
    // keys under it (Logging's are free-form log categories).
    private static readonly string[] ReadDirectly =
    [
        "ChatModel:Provider",
        "EmbeddingModel:Provider",
        CommandLineOverrides.RequireChatModelKey,
        CommandLineOverrides.RequireEmbeddingModelKey,
        CommandLineOverrides.RetrievalOnlyKey,
        Conversations.ConversationOptions.ConnectionStringKey,
        "Logging",
    ];

    private static readonly Lazy<IReadOnlyList<(string Section, Type Options)>> OptionsClasses = new(AssistantOptionsClasses);

    /// <summary>The first setting of <paramref name="settings"/> that nothing reads, worded for the user; null when all are known.</summary>
    /// <param name="settings">The command-line tokens left for the configuration (<c>--Section:Key=value</c> or <c>--Section:Key value</c>); tokens not starting with <c>--</c> are values and are skipped.</param>
    /// <param name="configuration">The host's configuration, whose other sources (appsettings.json, the environment) name settings too.</param>
    /// <param name="frontEnd">
    /// What the front end reads besides the assistant's options classes: the assembly holding its own options classes
    /// (a public constant <c>SectionName</c>), and names its host reads directly, each covering everything under it
    /// (e.g. <c>urls</c>, <c>Kestrel</c>). Null for none.
    /// </param>
    /// <returns>"unknown setting Bogus:Key: no part of the assistant reads it." with the closest known name when one is close, or null.</returns>
    public static string? FindUnknown(IReadOnlyList<string> settings, IConfigurationRoot configuration, FrontEndSettings? frontEnd = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(configuration);
        var sources = configuration.Providers.Where(p => p is not CommandLineConfigurationProvider).ToList();
        var readDirectly = ReadDirectly.Concat(frontEnd?.ReadDirectly ?? []).ToList();
        var classes = frontEnd?.OptionsAssembly is { } assembly ? [.. OptionsClasses.Value, .. FindOptionsClasses([assembly])] : OptionsClasses.Value;
        foreach (var token in settings.Where(t => t.StartsWith("--", StringComparison.Ordinal)))
        {
            var key = token[2..].Split('=', 2)[0];
            if (!IsKnown(key, sources, readDirectly, classes))
            {
                return $"unknown setting {key}: no part of the assistant reads it.{SpellingSuggestion.DidYouMean(key, KnownNames(sources, readDirectly, classes))}";
            }
        }

        return null;
    }

    private static bool IsKnown(string key, IReadOnlyList<IConfigurationProvider> sources, IReadOnlyList<string> readDirectly, IReadOnlyList<(string Section, Type Options)> classes) =>
        // A section above a known name counts too: hosts that flatten their configuration into arguments (the test
        // host's UseSetting) pass each parent section ("ConnectionStrings") as an empty setting of its own.
        readDirectly.Any(name => key.Equals(name, StringComparison.OrdinalIgnoreCase) || key.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase) || name.StartsWith(key + ":", StringComparison.OrdinalIgnoreCase))
        || sources.Any(p => p.TryGet(key, out _) || p.GetChildKeys([], key).Any())
        || classes.Any(c => Binds(c.Section, c.Options, key));

    // Whether the options class bound at section has the (nested) property that key names.
    private static bool Binds(string section, Type options, string key)
    {
        if (!key.StartsWith(section + ":", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var type = options;
        foreach (var name in key[(section.Length + 1)..].Split(':'))
        {
            if (IsCollection(type))
            {
                return true; // Items and dictionary keys are the user's.
            }

            var property = type.GetProperty(name, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            if (property is null)
            {
                return false;
            }

            type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        }

        return true;
    }

    private static bool IsCollection(Type type) => type != typeof(string) && typeof(IEnumerable).IsAssignableFrom(type);

    // Every setting path an options class binds or a source has, for the suggestion.
    private static IEnumerable<string> KnownNames(IReadOnlyList<IConfigurationProvider> sources, IReadOnlyList<string> readDirectly, IReadOnlyList<(string Section, Type Options)> classes)
    {
        foreach (var (section, options) in classes)
        {
            foreach (var path in Paths(section, options, depth: 0))
            {
                yield return path;
            }
        }

        foreach (var provider in sources)
        {
            foreach (var section in provider.GetChildKeys([], null).Distinct(StringComparer.OrdinalIgnoreCase))
            {
                foreach (var key in provider.GetChildKeys([], section).Distinct(StringComparer.OrdinalIgnoreCase))
                {
                    yield return $"{section}:{key}";
                }
            }
        }

        foreach (var key in readDirectly)
        {
            yield return key;
        }
    }

    private static IEnumerable<string> Paths(string prefix, Type type, int depth)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
        {
            var path = $"{prefix}:{property.Name}";
            yield return path;
            var propertyType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (depth < 3 && propertyType.IsClass && propertyType != typeof(string) && !IsCollection(propertyType))
            {
                foreach (var nested in Paths(path, propertyType, depth + 1))
                {
                    yield return nested;
                }
            }
        }
    }

    // The options classes of the assistant's assemblies and the section each binds; the OpenAI-compatible model
    // options, which have no SectionName, bind the chat and embedding model sections.
    private static List<(string Section, Type Options)> AssistantOptionsClasses()
    {
        var classes = FindOptionsClasses(
        [
            typeof(CommandLineOverrides).Assembly,
            typeof(RetrievalOptions).Assembly,
            typeof(LlamaChatClientOptions).Assembly,
            typeof(ArcticEmbeddingGeneratorOptions).Assembly,
        ]);
        classes.Add((OpenAICompatibleModelOptions.ChatName, typeof(OpenAICompatibleModelOptions)));
        classes.Add((OpenAICompatibleModelOptions.EmbeddingName, typeof(OpenAICompatibleModelOptions)));
        return classes;
    }

    // The types of the assemblies with a public string constant SectionName, and that section.
    private static List<(string Section, Type Options)> FindOptionsClasses(IEnumerable<Assembly> assemblies)
    {
        var classes = new List<(string, Type)>();
        foreach (var type in assemblies.SelectMany(a => a.GetTypes()))
        {
            if (type.GetField("SectionName", BindingFlags.Public | BindingFlags.Static) is { IsLiteral: true } field && field.GetRawConstantValue() is string section)
            {
                classes.Add((section, type));
            }
        }

        return classes;
    }
}

/// <summary>What a front end reads from the configuration besides the assistant's options (<see cref="SettingNames"/>).</summary>
/// <param name="OptionsAssembly">The front end's assembly, whose options classes (a public constant <c>SectionName</c>) bind their sections; null for none.</param>
/// <param name="ReadDirectly">Names its host reads directly, each covering the keys under it (e.g. <c>urls</c>, <c>Kestrel</c>).</param>
public sealed record FrontEndSettings(Assembly? OptionsAssembly, IReadOnlyList<string> ReadDirectly);
