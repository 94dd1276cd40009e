using RagAssistant.Core.Ingestion;

namespace RagAssistant.Core.Tests.Ingestion;

/// <summary>A document keeps its id when another of the same title arrives, whatever the files' names.</summary>
public sealed class PaperIdLedgerTests
{
    private const string Original = "# My LoRA experiments\n\nRank 8 was enough for the summarisation task.\n";
    private const string Edited = "# My LoRA experiments\n\nRank 16 was needed for the summarisation task.\n";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly string TitleId = PaperIdentity.CreateId("My LoRA experiments");

    private static Task<LoadedCorpus> LoadAsync(TempFolder corpus, TempFolder? cache) =>
        new CorpusLoader(new PassageSplitter(ApproximateTokenizer.Instance, 256, 32), ids: cache is null ? null : new PaperIdLedger(cache.Path))
            .LoadAsync(corpus.Path, Ct);

    // The original and, beside it, the edited version the service saves under the next free name.
    private static Task<LoadedCorpus> LoadBothVersionsAsync(TempFolder corpus, TempFolder cache)
    {
        corpus.Write("lora-notes.md", Original);
        corpus.Write("lora-notes-2.md", Edited);
        return LoadAsync(corpus, cache);
    }

    private static string IdOf(LoadedCorpus corpus, string file) => Assert.Single(corpus.Papers, p => p.SourceFile == file).Id;

    [Fact]
    public async Task An_uploaded_version_whose_name_sorts_first_does_not_take_the_id_of_the_document_already_there()
    {
        using var corpus = new TempFolder();
        using var cache = new TempFolder();
        corpus.Write("uploads/lora-notes.md", Original);
        Assert.Equal(TitleId, IdOf(await LoadAsync(corpus, cache), "uploads/lora-notes.md"));

        // The service saves the second upload of lora-notes.md as lora-notes-2.md, which sorts first ('-' < '.').
        corpus.Write("uploads/lora-notes-2.md", Edited);
        var second = await LoadAsync(corpus, cache);
        var restarted = await LoadAsync(corpus, cache);

        foreach (var load in new[] { second, restarted })
        {
            Assert.Equal(TitleId, IdOf(load, "uploads/lora-notes.md"));
            Assert.StartsWith(TitleId + "-", IdOf(load, "uploads/lora-notes-2.md"), StringComparison.Ordinal);
        }

        Assert.Equal(IdOf(second, "uploads/lora-notes-2.md"), IdOf(restarted, "uploads/lora-notes-2.md"));
    }

    [Fact]
    public async Task A_newcomer_with_a_shorter_name_does_not_take_the_id_either()
    {
        using var corpus = new TempFolder();
        using var cache = new TempFolder();
        corpus.Write("lora-notes.md", Original);
        await LoadAsync(corpus, cache);

        corpus.Write("a.md", Edited);
        var load = await LoadAsync(corpus, cache);

        Assert.Equal(TitleId, IdOf(load, "lora-notes.md"));
        Assert.NotEqual(TitleId, IdOf(load, "a.md"));
    }

    [Fact]
    public async Task Without_a_ledger_the_shorter_file_name_holds_the_title_id_not_the_one_that_sorts_first()
    {
        using var corpus = new TempFolder();
        corpus.Write("lora-notes.md", Original);
        corpus.Write("lora-notes-2.md", Edited);

        var load = await LoadAsync(corpus, null);

        Assert.Equal(TitleId, IdOf(load, "lora-notes.md"));
        Assert.Equal($"{TitleId}-{PaperIdLedger.HashOf("My LoRA experiments Rank 16 was needed for the summarisation task.")[..8]}", IdOf(load, "lora-notes-2.md"));
    }

    [Fact]
    public async Task A_document_edited_in_place_or_renamed_keeps_its_id_and_a_suffixed_one_keeps_its_own_when_the_original_goes()
    {
        using var corpus = new TempFolder();
        using var cache = new TempFolder();
        var first = await LoadBothVersionsAsync(corpus, cache);
        var suffixed = IdOf(first, "lora-notes-2.md");

        // Edited in place: known by its file. Renamed: known by its content.
        corpus.Write("lora-notes-2.md", Edited + "\nAlpha 32 as well.\n");
        File.Move(corpus.File("lora-notes.md"), corpus.File("z-renamed-notes.md"));
        var edited = await LoadAsync(corpus, cache);
        Assert.Equal(suffixed, IdOf(edited, "lora-notes-2.md"));
        Assert.Equal(TitleId, IdOf(edited, "z-renamed-notes.md"));

        File.Delete(corpus.File("z-renamed-notes.md"));
        Assert.Equal(suffixed, IdOf(await LoadAsync(corpus, cache), "lora-notes-2.md"));
    }

    [Fact]
    public async Task A_file_replaced_by_the_version_its_copy_held_keeps_the_files_id()
    {
        using var corpus = new TempFolder();
        using var cache = new TempFolder();
        await LoadBothVersionsAsync(corpus, cache);

        // What the web chat's "Replace lora-notes.md instead" does, seen by one load: the copy goes, its text replaces the original.
        File.Delete(corpus.File("lora-notes-2.md"));
        corpus.Write("lora-notes.md", Edited);
        var load = await LoadAsync(corpus, cache);

        Assert.Equal(TitleId, IdOf(load, "lora-notes.md"));
    }

    [Fact]
    public async Task An_unwritable_ledger_only_means_ids_are_assigned_anew()
    {
        using var corpus = new TempFolder();
        using var cache = new TempFolder();
        File.WriteAllText(cache.File("paper-ids"), "a file where the ledger's folder would be");
        corpus.Write("lora-notes.md", Original);

        var load = await LoadAsync(corpus, cache);

        Assert.Equal(TitleId, IdOf(load, "lora-notes.md"));
    }
}
