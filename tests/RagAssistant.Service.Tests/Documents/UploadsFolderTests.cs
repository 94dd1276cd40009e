using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using RagAssistant.Service.Documents;
using RagAssistant.Service.Tests.Infrastructure;

namespace RagAssistant.Service.Tests.Documents;

/// <summary>Where uploads land by default: inside the checkout, so git must ignore exactly that folder.</summary>
public sealed class UploadsFolderTests
{
    [Fact]
    public async Task The_default_uploads_folder_is_ignored_by_git_and_the_corpus_beside_it_is_not()
    {
        if (!Path.Exists(Path.Combine(TestPaths.RepositoryRoot, ".git")))
        {
            Assert.Skip("The repository is not a git checkout here.");
        }

        // The corpus folder the service reads by default (appsettings.json at the repository root), and its uploads.
        var settings = new ConfigurationBuilder().AddJsonFile(Path.Combine(TestPaths.RepositoryRoot, "appsettings.json")).Build();
        var corpus = settings["Corpus:Folder"]!.Replace('\\', '/').TrimEnd('/');
        var upload = $"{corpus}/{UploadedDocuments.FolderName}/Zebrafish-heart-notes.md";

        Assert.Equal(0, await CheckIgnoreAsync(upload));
        Assert.Equal(1, await CheckIgnoreAsync($"{corpus}/paper.md"));
    }

    // git check-ignore: 0 when the path is ignored, 1 when it is not (--no-index: whether or not such a file is tracked).
    private static async Task<int> CheckIgnoreAsync(string path)
    {
        var info = new ProcessStartInfo("git") { WorkingDirectory = TestPaths.RepositoryRoot, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "check-ignore", "--no-index", "-q", path })
        {
            info.ArgumentList.Add(argument);
        }

        using var git = Process.Start(info)!;
        await git.WaitForExitAsync(TestContext.Current.CancellationToken);
        return git.ExitCode;
    }
}
