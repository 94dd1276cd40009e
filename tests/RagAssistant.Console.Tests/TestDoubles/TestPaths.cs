using SharedPaths = RagAssistant.Testing.Files.TestPaths;

namespace RagAssistant.Console.Tests.TestDoubles;

/// <summary>This project's names for the shared locator of the repository and ../shared (RagAssistant.Testing).</summary>
internal static class TestPaths
{
    /// <summary>The repository root (the folder with RagAssistant.sln).</summary>
    public static string? RepositoryRoot => SharedPaths.RepositoryRoot;

    /// <summary>The shared data folder (../shared), or null.</summary>
    public static string? SharedFolder => SharedPaths.Shared;

    /// <summary>The shared stories260K model, or skips the test with the reason.</summary>
    public static string RequireStoriesModel() => SharedPaths.Stories;

    /// <summary>A file of ../shared/cases (inputs from replayed bug reports), or skips the test with the reason.</summary>
    public static string RequireCase(string relative) => SharedPaths.RequireCase(relative);

    /// <summary>A fresh temporary folder, deleted by the caller.</summary>
    public static DirectoryInfo CreateTempFolder() => Directory.CreateTempSubdirectory("ragassistant-console-tests-");
}
