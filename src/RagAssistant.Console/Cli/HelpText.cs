namespace RagAssistant.Console.Cli;

/// <summary>
/// The console's help as System.CommandLine writes it, reworded for the user: each line of its "Usage:" section names
/// the program the way it was started (<see cref="ConsoleCommand.Run"/>, e.g. <c>dotnet src/…/ragassistant.dll</c>)
/// rather than by its file name, which runs nothing when typed; and no line ends in white space (its columns are padded).
/// </summary>
internal static class HelpText
{
    /// <summary>Rewords <paramref name="help"/>.</summary>
    /// <param name="help">The help text, lines ending in <c>\n</c> or <c>\r\n</c>.</param>
    /// <param name="programName">The name System.CommandLine gives the root command (<c>ragassistant</c>).</param>
    /// <param name="command">The command that runs the program as it was started.</param>
    /// <returns>The help, each line ending in <c>\n</c> without trailing white space.</returns>
    public static string Reword(string help, string programName, string command)
    {
        ArgumentNullException.ThrowIfNull(help);
        ArgumentException.ThrowIfNullOrEmpty(programName);
        ArgumentException.ThrowIfNullOrEmpty(command);
        var lines = help.Split('\n').Select(line => line.TrimEnd()).ToList();
        var usage = false;
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i];
            if (line.Length == 0 || !line.StartsWith(' '))
            {
                usage = line == "Usage:";
                continue;
            }

            var indent = line.Length - line.TrimStart().Length;
            var rest = line[indent..];
            if (usage && (rest == programName || rest.StartsWith(programName + " ", StringComparison.Ordinal)))
            {
                lines[i] = line[..indent] + command + rest[programName.Length..];
            }
        }

        return string.Join('\n', lines);
    }
}
