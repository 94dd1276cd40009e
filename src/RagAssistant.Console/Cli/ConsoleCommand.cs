namespace RagAssistant.Console.Cli;

/// <summary>
/// How every notice, prompt and error of the console names a console command: the one form that works as typed from the repository
/// root on a fresh machine (there is no installed <c>ragassistant</c> command), as the README shows it.
/// </summary>
internal static class ConsoleCommand
{
    /// <summary>The prefix that runs the console from the repository root.</summary>
    public const string Run = "dotnet run --project src/RagAssistant.Console --";

    /// <summary>The command line for <paramref name="arguments"/> ("models list" → "dotnet run --project src/RagAssistant.Console -- models list").</summary>
    /// <param name="arguments">The console's arguments, as typed.</param>
    /// <returns><see cref="Run"/>, a space, then <paramref name="arguments"/>.</returns>
    public static string For(string arguments) => $"{Run} {arguments}";

    /// <summary>The command that fetches a model of models/models.json by role ("chat", "embedding") or name.</summary>
    /// <param name="model">A role or a model name.</param>
    /// <returns>The <c>models download</c> command line.</returns>
    public static string Download(string model) => For($"models download {model}");
}
