namespace RagAssistant.Console.Cli;

/// <summary>
/// The <c>--Section:Key=value</c> and <c>--Section:Key value</c> settings of a command line: any appsettings.json
/// value for one run, as the service takes them. They are split off before System.CommandLine parses the rest and go
/// to the host's command-line configuration provider; the colon tells a setting from an option, so a genuinely
/// unknown option such as <c>--bogus</c> is still an error.
/// </summary>
/// <param name="Settings">The setting tokens, in the configuration command-line provider's syntax.</param>
/// <param name="Arguments">Everything else, for System.CommandLine (after <c>--</c>, every token is left here).</param>
/// <param name="Error">Why a setting is malformed (<c>--Retrieval:TopK</c> without a value), or null.</param>
internal sealed record CommandLineSettings(IReadOnlyList<string> Settings, IReadOnlyList<string> Arguments, string? Error)
{
    /// <summary>Splits <paramref name="args"/> into settings and the arguments System.CommandLine parses.</summary>
    /// <param name="args">The process arguments.</param>
    /// <returns>The split; <see cref="Error"/> is set when a setting has no value.</returns>
    public static CommandLineSettings Split(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var settings = new List<string>();
        var arguments = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var token = args[i];
            if (token == "--")
            {
                // The end of options: what follows is a value (a question), never a setting.
                arguments.AddRange(args.Skip(i));
                break;
            }

            if (!IsSetting(token))
            {
                arguments.Add(token);
            }
            else if (token.Contains('=', StringComparison.Ordinal))
            {
                settings.Add(token);
            }
            else if (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                settings.Add(token);
                settings.Add(args[++i]);
            }
            else
            {
                return new([], args, $"{token} needs a value, e.g. {token}=VALUE.");
            }
        }

        return new(settings, arguments, null);
    }

    // "--Section:Key" or "--Section:Key=value": a configuration path has a colon, an option name never does.
    private static bool IsSetting(string token)
    {
        if (!token.StartsWith("--", StringComparison.Ordinal) || token.Length < 3 || !char.IsLetter(token[2]))
        {
            return false;
        }

        var equals = token.IndexOf('=', StringComparison.Ordinal);
        var key = equals < 0 ? token : token[..equals];
        return key.Contains(':', StringComparison.Ordinal) && !key.EndsWith(':');
    }
}
