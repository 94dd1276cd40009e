using System.Reflection;

namespace RagAssistant.Hosting;

/// <summary>
/// How the user started this program, as the command line a hint tells them to type again: <c>dotnet run --project
/// src/RagAssistant.Console --</c> after <c>dotnet run</c>, <c>dotnet src/…/ragassistant.dll</c> after running the built
/// dll, <c>ragassistant</c> (or its path) after running an installed or published executable. One place, so that every
/// hint names a command that works the way the user works.
/// </summary>
public static class ProgramInvocation
{
    /// <summary>
    /// The command that runs this program again, the way it was started, for hints such as "run `PREFIX models list`".
    /// </summary>
    /// <param name="project">The project folder from the repository root, as the README's <c>dotnet run --project</c> names it (<c>src/RagAssistant.Console</c>).</param>
    /// <param name="program">The program's file name without extension (<c>ragassistant</c>): its dll and executable.</param>
    /// <returns>
    /// <c>dotnet run --project PROJECT --</c> when started by <c>dotnet run</c> or from anything but the program itself
    /// (a test host); <c>dotnet PATH.dll</c> when the .NET host ran its dll; the executable's name when its folder is on
    /// PATH, else its path. A path under the working directory is relative to it; one with a space is quoted.
    /// </returns>
    public static string Command(string project, string program)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(project);
        ArgumentException.ThrowIfNullOrWhiteSpace(program);
        var readme = $"dotnet run --project {project} --";
        var process = Environment.ProcessPath;
        var entry = Assembly.GetEntryAssembly()?.Location;
        if (process is null || string.IsNullOrEmpty(entry) || !Path.GetFileNameWithoutExtension(entry).Equals(program, StringComparison.OrdinalIgnoreCase) || StartedByDotnetRun())
        {
            return readme;
        }

        if (Path.GetFileNameWithoutExtension(process).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            return $"dotnet {Typed(entry)}";
        }

        if (!Path.GetFileNameWithoutExtension(process).Equals(program, StringComparison.OrdinalIgnoreCase))
        {
            return readme;
        }

        var folder = Path.GetDirectoryName(process);
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(entryFolder => SameFolder(entryFolder, folder));
        return onPath ? Path.GetFileNameWithoutExtension(process) : Typed(process, executable: true);
    }

    // `dotnet run` starts the built program as its child: the parent's command line is `dotnet run ...`. Read where the
    // system shows it (Linux's /proc); elsewhere the program's own path is named, which runs it as well.
    private static bool StartedByDotnetRun()
    {
        try
        {
            if (!File.Exists("/proc/self/stat"))
            {
                return false;
            }

            // The fields after the command name, which is in parentheses and may hold spaces: state, then the parent's id.
            var stat = File.ReadAllText("/proc/self/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var arguments = File.ReadAllText($"/proc/{fields[1]}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries);
            return arguments is [var host, .. var rest]
                && Path.GetFileNameWithoutExtension(host).Equals("dotnet", StringComparison.OrdinalIgnoreCase)
                && rest.FirstOrDefault(a => !a.StartsWith('-')) is "run";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or IndexOutOfRangeException or ArgumentException)
        {
            return false;
        }
    }

    // The path as a user would type it from here: relative under the working directory (./name for a file in it, so a
    // shell runs it rather than looking it up on PATH), absolute elsewhere; quoted when it has a space.
    private static string Typed(string path, bool executable = false)
    {
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, path);
        var typed = relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? path
            : executable && !relative.Contains(Path.DirectorySeparatorChar, StringComparison.Ordinal) ? $".{Path.DirectorySeparatorChar}{relative}"
            : relative;
        return typed.Contains(' ', StringComparison.Ordinal) ? $"\"{typed}\"" : typed;
    }

    private static bool SameFolder(string a, string? b) =>
        b is not null && string.Equals(Path.TrimEndingDirectorySeparator(Path.GetFullPath(a)), Path.TrimEndingDirectorySeparator(b), OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);
}
