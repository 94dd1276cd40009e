using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace RagAssistant.Hosting;

/// <summary>Runs the options validation of start-up before the host starts, so a bad setting is only a message.</summary>
public static partial class StartupOptionsValidation
{
    /// <summary>
    /// Validates every option registered with <c>ValidateOnStart</c> now. The host would do the same in
    /// <c>StartAsync</c>, but it first logs "Hosting failed to start" with the exception's stack trace; validated
    /// here, the front end's own one-line message is all the user sees. Each failure names the setting as the user
    /// writes it: "Retrieval:TopK must be between 1 and 100, got 0.", not the options class's property.
    /// </summary>
    /// <param name="services">The built host's services.</param>
    /// <exception cref="OptionsValidationException">
    /// A setting is invalid; <see cref="OptionsValidationException.Failures"/> say which and why (the failures of
    /// every invalid options class, in one exception), or a setting's value does not convert to its type (the one
    /// failure says what it expects: "Retrieval:TopK expects a whole number, got 'abc'.").
    /// </exception>
    public static void ValidateStartupOptions(this IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        try
        {
            services.GetService<IStartupValidator>()?.Validate();
        }
        catch (Exception ex) when (ex is OptionsValidationException or AggregateException)
        {
            var invalid = ex is AggregateException aggregate ? aggregate.InnerExceptions : [ex];
            if (!invalid.All(e => e is OptionsValidationException))
            {
                throw;
            }

            var configuration = services.GetService<IConfiguration>();
            var failures = invalid.Cast<OptionsValidationException>()
                .SelectMany(e => e.Failures.Select(f => Describe(f, e.OptionsType, e.OptionsName, configuration)))
                .ToList();
            var first = (OptionsValidationException)invalid[0];
            throw new OptionsValidationException(first.OptionsName, first.OptionsType, failures);
        }
        catch (InvalidOperationException ex) when (ValueExpectation.DescribeSettingConversion(ex) is { } failure)
        {
            // Binding stops at the first value that does not convert, before any validation: that one setting is the
            // failure, worded like the others ("Retrieval:TopK expects a whole number, got 'abc'."). The binder does
            // not say which options class it was binding.
            throw new OptionsValidationException(Options.DefaultName, typeof(object), [failure]);
        }
    }

    /// <summary>
    /// Rewords a DataAnnotations failure of the options validator ("TopK: The field RetrievalOptions.TopK must be
    /// between 1 and 100.") with the configuration path and the value given ("Retrieval:TopK must be between 1 and
    /// 100, got 0."). A failure of another shape (a cross-field check that already names its settings) is kept.
    /// </summary>
    internal static string Describe(string failure, Type optionsType, string? optionsName, IConfiguration? configuration)
    {
        var section = SectionOf(optionsType, optionsName);
        if (section is null || MemberFailure().Match(failure) is not { Success: true } match)
        {
            return failure;
        }

        // The display name ("RetrievalOptions.Bm25.K1") holds the path of a nested member; the prefix only its name.
        var message = match.Groups["message"].Value;
        var displayName = DisplayName().Match(message).Groups["name"] is { Success: true } named && named.Value.StartsWith(optionsType.Name + ".", StringComparison.Ordinal)
            ? named.Value
            : $"{optionsType.Name}.{match.Groups["member"].Value}";
        var path = $"{section}:{displayName[(optionsType.Name.Length + 1)..].Replace('.', ':')}";
        if (RangeFailure().Match(message) is { Success: true } range)
        {
            var value = configuration?[path];
            return ValueRange.Between(path, range.Groups["min"].Value, range.Groups["max"].Value, value);
        }

        if (RequiredFailure().IsMatch(message))
        {
            return $"{path} is required.";
        }

        return message.Contains(displayName, StringComparison.Ordinal) ? message.Replace(displayName, path, StringComparison.Ordinal)
            : message.Contains(path, StringComparison.OrdinalIgnoreCase) ? message
            : $"{path}: {message}";
    }

    // The section an options class is bound from: its SectionName constant, or (named options) its name.
    private static string? SectionOf(Type optionsType, string? optionsName) =>
        !string.IsNullOrEmpty(optionsName) && optionsName != Options.DefaultName ? optionsName
        : optionsType.GetField("SectionName", BindingFlags.Public | BindingFlags.Static)?.GetValue(null) is string name ? name
        : null;

    [GeneratedRegex(@"^(?<member>[A-Za-z_][\w.]*): (?<message>.+)$", RegexOptions.Singleline)]
    private static partial Regex MemberFailure();

    [GeneratedRegex(@"^The (?:field )?(?<name>[A-Za-z_][\w.]*)")]
    private static partial Regex DisplayName();

    [GeneratedRegex(@"^The field \S+ must be between (?<min>\S+) and (?<max>\S+)\.$")]
    private static partial Regex RangeFailure();

    [GeneratedRegex(@"^The \S+ field is required\.$")]
    private static partial Regex RequiredFailure();
}
