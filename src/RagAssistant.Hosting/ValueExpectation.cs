using System.Text.RegularExpressions;

namespace RagAssistant.Hosting;

/// <summary>
/// The one wording of a value that does not convert to what a setting or a command-line option expects, for every
/// front end: "Retrieval:TopK expects a whole number, got 'abc'." rather than a .NET type name.
/// </summary>
public static partial class ValueExpectation
{
    /// <summary>What a value of <paramref name="type"/> looks like to a person.</summary>
    /// <param name="type">The target type (nullable or not).</param>
    /// <returns>"a whole number", "a number", "true or false", "one of a, b", "a time span such as 00:02:00"; null for types whose own messages say it (files, text).</returns>
    public static string? Of(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type.IsEnum)
        {
            return $"one of {string.Join(", ", Enum.GetNames(type).Select(n => n.ToLowerInvariant()))}";
        }

        if (type == typeof(TimeSpan))
        {
            // TimeSpan.Parse's invariant form, hours:minutes:seconds (days.hh:mm:ss beyond a day).
            return "a time span such as 00:02:00";
        }

        return Type.GetTypeCode(type) switch
        {
            TypeCode.Byte or TypeCode.SByte or TypeCode.Int16 or TypeCode.UInt16 or TypeCode.Int32 or TypeCode.UInt32 or TypeCode.Int64 or TypeCode.UInt64 => "a whole number",
            TypeCode.Single or TypeCode.Double or TypeCode.Decimal => "a number",
            TypeCode.Boolean => "true or false",
            _ => null,
        };
    }

    /// <summary>
    /// Words the configuration binder's failure to convert a setting ("Failed to convert configuration value 'abc' at
    /// 'Retrieval:TopK' to type 'System.Int32'.") as what the setting expects. The failure may be wrapped (an options
    /// factory, a host's start): the first exception of the chain that is the binder's counts.
    /// </summary>
    /// <param name="exception">What was thrown while the options were bound (at start, or when first used).</param>
    /// <returns>"Retrieval:TopK expects a whole number, got 'abc'.", or null for any other exception.</returns>
    public static string? DescribeSettingConversion(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            if (current is InvalidOperationException && SettingConversion().Match(current.Message) is { Success: true } match)
            {
                var typeName = match.Groups["type"].Value;
                var type = Type.GetType(typeName) ?? AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetType(typeName)).FirstOrDefault(t => t is not null);
                return type is not null && Of(type) is { } expected
                    ? $"{match.Groups["key"].Value} expects {expected}, got '{match.Groups["value"].Value}'."
                    : null;
            }
        }

        return null;
    }

    // Microsoft.Extensions.Configuration.Binder's message (its resources are English only).
    [GeneratedRegex(@"^Failed to convert configuration value '(?<value>.*)' at '(?<key>[^']+)' to type '(?<type>[^']+)'\.$", RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex SettingConversion();
}
