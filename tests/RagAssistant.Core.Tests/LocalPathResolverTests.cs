using RagAssistant.Core.Answering;
using RagAssistant.Core.Ingestion;

namespace RagAssistant.Core.Tests;

public sealed class LocalPathResolverTests
{
    [Fact]
    public void An_absolute_path_is_returned_as_is_even_when_missing()
    {
        var absolute = Path.Combine(Path.GetTempPath(), "ragassistant-absent-" + Guid.NewGuid().ToString("N"), "model.gguf");

        Assert.Equal(absolute, LocalPathResolver.Resolve(absolute));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void A_blank_path_is_rejected(string path) =>
        Assert.Throws<ArgumentException>(() => LocalPathResolver.Resolve(path));

    [Fact]
    public void An_existing_file_under_the_preferred_root_wins()
    {
        using var root = new TempFolder();
        var file = root.Write(Path.Combine("models", "chat.gguf"), "x");

        Assert.Equal(file, LocalPathResolver.Resolve(Path.Combine("models", "chat.gguf"), root.Path));
    }

    [Fact]
    public void An_existing_folder_is_found_as_well_as_a_file()
    {
        using var root = new TempFolder();
        var folder = Path.Combine(root.Path, "data", "papers");
        Directory.CreateDirectory(folder);

        Assert.Equal(folder, LocalPathResolver.Resolve(Path.Combine("data", "papers"), root.Path));
    }

    [Fact]
    public void A_file_not_downloaded_yet_is_placed_in_its_existing_parent_folder()
    {
        using var root = new TempFolder();
        Directory.CreateDirectory(Path.Combine(root.Path, "models"));
        var relative = Path.Combine("models", "absent-" + Guid.NewGuid().ToString("N") + ".gguf");

        Assert.Equal(Path.Combine(root.Path, relative), LocalPathResolver.Resolve(relative, root.Path));
    }

    [Fact]
    public void A_path_with_no_existing_parent_lands_under_the_first_root()
    {
        using var root = new TempFolder();
        var relative = Path.Combine("absent-" + Guid.NewGuid().ToString("N"), "file.txt");

        Assert.Equal(Path.Combine(root.Path, relative), LocalPathResolver.Resolve(relative, root.Path));
    }

    [Fact]
    public void Without_a_preferred_root_a_missing_path_lands_under_the_working_directory()
    {
        var relative = "absent-" + Guid.NewGuid().ToString("N");

        Assert.Equal(Path.Combine(Directory.GetCurrentDirectory(), relative), LocalPathResolver.Resolve(relative));
    }

    [Fact]
    public void A_file_of_a_parent_of_the_program_folder_is_found()
    {
        // The tests run from tests/X/bin/<configuration>/<tfm>/: the solution file is in a parent of that folder,
        // as the repository's models/ and data/ are for `dotnet run` and for the tests.
        var resolved = LocalPathResolver.Resolve("RagAssistant.sln");

        Assert.True(File.Exists(resolved), resolved);
    }

    [Fact]
    public void The_corpus_folder_is_resolved_against_its_content_root_first()
    {
        using var root = new TempFolder();
        var papers = Path.Combine(root.Path, "data", "papers");
        Directory.CreateDirectory(papers);

        var options = new CorpusOptions { ContentRoot = root.Path };

        Assert.Equal(papers, options.ResolveFolder());
    }

    [Fact]
    public void Both_front_ends_resolve_the_same_embedding_cache_for_the_same_corpus()
    {
        // The console runs from the repository root; the service (dotnet run --project) from its project folder, where
        // the repository's data/papers is found through the checkout. The vectors of that corpus are cached once.
        var console = new CorpusOptions { ContentRoot = TestPaths.RepositoryRoot };
        var service = new CorpusOptions { ContentRoot = Path.Combine(TestPaths.RepositoryRoot, "src", "RagAssistant.Service") };

        Assert.Equal(console.ResolveFolder(), service.ResolveFolder());
        Assert.Equal(Path.Combine(TestPaths.RepositoryRoot, ".cache"), console.ResolveCacheFolder());
        Assert.Equal(console.ResolveCacheFolder(), service.ResolveCacheFolder());
    }

    [Fact]
    public void With_an_absolute_corpus_folder_a_relative_cache_folder_is_under_the_content_root()
    {
        using var root = new TempFolder();
        using var corpus = new TempFolder();

        var options = new CorpusOptions { Folder = corpus.Path, ContentRoot = root.Path };

        Assert.Equal(Path.Combine(root.Path, ".cache"), options.ResolveCacheFolder());
        Assert.Throws<ArgumentException>(() => LocalPathResolver.RootOf(corpus.Path));
    }

    [Fact]
    public void The_prompts_folder_is_found_from_the_program_folder()
    {
        // Core's tests do not copy prompts/ beside the program: the repository's own folder is found above it.
        var folder = AnswerPromptTemplates.ResolveFolder("prompts");

        Assert.True(Directory.Exists(Path.Combine(folder, "System")), folder);
    }

    [Fact]
    public void A_prompts_folder_beside_the_program_wins_over_the_working_directory()
    {
        var name = "prompts-" + Guid.NewGuid().ToString("N");
        var besideProgram = Path.Combine(AppContext.BaseDirectory, name);
        Directory.CreateDirectory(besideProgram);
        try
        {
            Assert.Equal(Path.GetFullPath(besideProgram), AnswerPromptTemplates.ResolveFolder(name));
        }
        finally
        {
            Directory.Delete(besideProgram);
        }
    }
}
