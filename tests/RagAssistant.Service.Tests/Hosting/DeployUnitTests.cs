using Microsoft.Extensions.Configuration;
using RagAssistant.Core.Ingestion;
using RagAssistant.Hosting.Conversations;
using RagAssistant.Hosting.Models;
using RagAssistant.Service.Documents;

namespace RagAssistant.Service.Tests.Hosting;

/// <summary>
/// deploy/ragassistant.service makes the file system read-only to the service (ProtectSystem=strict) except its
/// ReadWritePaths: every folder the service writes at its settings (the options' defaults, as the shipped
/// appsettings.json sets them) must be under one, and the install steps of deploy/README.md must create each.
/// </summary>
public sealed class DeployUnitTests
{
    private static readonly string Unit = Path.Combine(TestPaths.RepositoryRoot, "deploy", "ragassistant.service");

    [Fact]
    public void Every_folder_the_service_writes_is_a_read_write_path_of_the_unit_and_created_by_the_install_steps()
    {
        var lines = File.ReadAllLines(Unit).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        var workingDirectory = Setting(lines, "WorkingDirectory").Single();
        Assert.Equal("strict", Setting(lines, "ProtectSystem").Single());
        var writable = Setting(lines, "ReadWritePaths")
            .SelectMany(value => value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(path => path.TrimStart('-'))
            .ToList();

        var settings = new ConfigurationBuilder().AddJsonFile(Path.Combine(TestPaths.RepositoryRoot, "appsettings.json")).Build();
        var corpus = Bound<CorpusOptions>(settings, CorpusOptions.SectionName);
        var conversations = Bound<ConversationOptions>(settings, ConversationOptions.SectionName);
        var models = Bound<ModelsOptions>(settings, ModelsOptions.SectionName);
        string[] written =
        [
            corpus.CacheFolder,                                           // passage vectors
            conversations.DataFolder,                                     // conversations.db
            Path.Combine(corpus.Folder, UploadedDocuments.FolderName),    // documents added from the web chat
            models.Folder,                                                // downloaded models
        ];

        foreach (var folder in written.Select(f => Path.GetFullPath(f, workingDirectory)))
        {
            Assert.True(
                writable.Any(path => folder == path || folder.StartsWith(path + "/", StringComparison.Ordinal)),
                $"{folder} is written by the service but is not under ReadWritePaths ({string.Join(" ", writable)}) of {Unit}");
        }

        // systemd refuses to start a unit whose ReadWritePaths do not exist: the install steps create each, owned by the service.
        var readme = File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "deploy", "README.md"));
        var install = readme[readme.IndexOf("## systemd", StringComparison.Ordinal)..];
        foreach (var path in writable)
        {
            var relative = Path.GetRelativePath(workingDirectory, path);
            Assert.Matches($@"mkdir -p [^\n]*(?<=\s){System.Text.RegularExpressions.Regex.Escape(relative)}(?=[\s)]|$)", install);
            Assert.Matches($@"chown ragassistant: [^\n]*(?<=\s){System.Text.RegularExpressions.Regex.Escape(relative)}(?=[\s)]|$)", install);
        }
    }

    private static IEnumerable<string> Setting(IEnumerable<string> lines, string key) =>
        lines.Where(l => l.StartsWith(key + "=", StringComparison.Ordinal)).Select(l => l[(key.Length + 1)..].Trim());

    private static T Bound<T>(IConfiguration settings, string section)
        where T : new()
    {
        var options = new T();
        settings.GetSection(section).Bind(options);
        return options;
    }
}
