using RagAssistant.Testing.Files;

namespace RagAssistant.Service.Tests.Infrastructure;

/// <summary>The service's build output, and this project's names for the shared locator (RagAssistant.Testing).</summary>
internal static class RepositoryPaths
{
    /// <summary>The folder holding RagAssistant.sln.</summary>
    public static string Root => TestPaths.RepositoryRoot;

    /// <summary>The shared data folder (models, eval), a sibling of a parent folder; null when absent.</summary>
    public static string? Shared => TestPaths.Shared;

    /// <summary>The tiny real chat model, or null when the shared folder is absent.</summary>
    public static string? TinyModel => Shared is null ? null : Path.Combine(Shared, "models", "stories260K.gguf");

    /// <summary>A file of ../shared/cases (inputs from replayed bug reports), or skips the test with the reason.</summary>
    public static string RequireCase(string relative) => TestPaths.RequireCase(relative);

    /// <summary>The service's own build output, in the configuration these tests were built in.</summary>
    public static string ServiceAssembly
    {
        get
        {
            // Tests run from tests/X/bin/<Configuration>/<tfm>/.
            var tfmFolder = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var configuration = tfmFolder.Parent!.Name;
            return Path.Combine(Root, "src", "RagAssistant.Service", "bin", configuration, tfmFolder.Name, "RagAssistant.Service.dll");
        }
    }
}
