using RagAssistant.Hosting;

namespace RagAssistant.Console.Cli;

/// <summary>
/// How every notice, prompt and error of the console names a console command: the way the user started it
/// (<see cref="ProgramInvocation"/>), so the hint works as typed: the README's <c>dotnet run --project
/// src/RagAssistant.Console --</c> from the repository root, <c>dotnet src/…/ragassistant.dll</c> for the built dll,
/// or the published executable.
/// </summary>
internal static class ConsoleCommand
{
    /// <summary>The README's prefix, which runs the console from the repository root.</summary>
    public const string Readme = "dotnet run --project src/RagAssistant.Console --";

    /// <summary>The prefix that runs the console again the way it was started (<see cref="Readme"/> after <c>dotnet run</c>).</summary>
    public static string Run { get; } = ProgramInvocation.Command("src/RagAssistant.Console", "ragassistant");

    /// <summary>Where <see cref="Run"/> works: " from the repository root" for the README's relative project path, nothing for a path or a name that works from here.</summary>
    public static string Where => Run == Readme ? " from the repository root" : string.Empty;

    /// <summary>The command line for <paramref name="arguments"/> ("models list" → "dotnet run --project src/RagAssistant.Console -- models list" after <c>dotnet run</c>).</summary>
    /// <param name="arguments">The console's arguments, as typed.</param>
    /// <returns><see cref="Run"/>, a space, then <paramref name="arguments"/>.</returns>
    public static string For(string arguments) => $"{Run} {arguments}";

    /// <summary>The command that fetches a model of models/models.json by role ("chat", "embedding") or name.</summary>
    /// <param name="model">A role or a model name.</param>
    /// <returns>The <c>models download</c> command line.</returns>
    public static string Download(string model) => For($"models download {model}");
}
