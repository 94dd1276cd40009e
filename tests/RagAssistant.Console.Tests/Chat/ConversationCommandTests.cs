using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using RagAssistant.Console.Chat;
using RagAssistant.Console.Cli;
using RagAssistant.Console.Tests.TestDoubles;
using RagAssistant.Hosting;
using RagAssistant.Hosting.Conversations;

namespace RagAssistant.Console.Tests.Chat;

/// <summary>
/// The chat's <c>/rename</c>, <c>/delete</c> and <c>/export</c> over the real SQLite store and the service's
/// <see cref="ConversationService"/>: typed as a user types them (the real command line with piped input), or, for
/// <c>/export</c>, on a session whose working folder is a temporary one.
/// </summary>
public sealed class ConversationCommandTests
{
    private static readonly AssistantRuntimeInfo Runtime = new(
        "/models/chat.gguf", "llama 292K F32", "/models/embed.gguf", "cpu", 2048, 4, "/corpus", RetrievalOnly: false, []);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Rename_renames_the_current_conversation_with_its_white_space_collapsed()
    {
        var cli = await ChatAsync("What is attention?\n/rename   Attention \t notes  \n/history\n/exit\n");

        Assert.Contains("Renamed to \"Attention notes\".", cli.Output, StringComparison.Ordinal);
        Assert.Contains("Attention notes (current)", cli.Output, StringComparison.Ordinal);
        Assert.Equal("Attention notes", Assert.Single((await cli.ConversationsAsync(Ct)).Conversations).Title);
    }

    [Fact]
    public async Task Rename_before_a_question_or_with_an_empty_or_too_long_title_says_why_and_keeps_the_title()
    {
        var tooLong = new string('x', new ConversationOptions().MaxTitleChars + 1);
        var cli = await ChatAsync($"/rename Early\nWhat is attention?\n/rename\n/rename {tooLong}\n/exit\n");

        Assert.Contains("There is no conversation to rename yet: ask a question first, or /open one.", cli.Output, StringComparison.Ordinal);
        Assert.Contains("The title is empty: give the new title as /rename TITLE.", cli.Output, StringComparison.Ordinal);
        Assert.Contains("The title is 201 characters long; the limit is 200 (Conversations:MaxTitleChars).", cli.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Renamed", cli.Output, StringComparison.Ordinal);
        Assert.Equal("What is attention?", Assert.Single((await cli.ConversationsAsync(Ct)).Conversations).Title);
    }

    [Fact]
    public async Task Delete_asks_first_and_after_deleting_the_current_conversation_the_next_question_starts_a_new_one()
    {
        var cli = await ChatAsync("Attention sinks?\n/delete\ny\nDecoding speed?\n/exit\n");

        Assert.Contains("Delete the current conversation \"Attention sinks?\" (1 turn)? It cannot be undone.", cli.Output, StringComparison.Ordinal);
        Assert.Contains("Deleted \"Attention sinks?\". The next question starts a new conversation.", cli.Output, StringComparison.Ordinal);
        Assert.Empty(cli.Pipeline.Requests.Last().History!); // no follow-up of the deleted conversation
        var left = Assert.Single((await cli.ConversationsAsync(Ct)).Conversations);
        Assert.Equal(("Decoding speed?", 1), (left.Title, left.TurnCount));
    }

    [Fact]
    public async Task Delete_answered_with_anything_but_yes_deletes_nothing_and_the_conversation_goes_on()
    {
        var cli = await ChatAsync("Attention sinks?\n/delete\nn\n/delete\n\n/delete\nyes please\nWhy do they appear?\n/exit\n");

        Assert.Equal(3, cli.Output.Split("Not deleted.").Length - 1);
        Assert.DoesNotContain("Deleted", cli.Output, StringComparison.Ordinal);
        Assert.Equal(["Attention sinks?", FakeAnswerPipeline.AnswerFor("Attention sinks?")], cli.Pipeline.Requests.Last().History!.Select(m => m.Text));
        Assert.Equal(2, Assert.Single((await cli.ConversationsAsync(Ct)).Conversations).TurnCount);
    }

    [Fact]
    public async Task Delete_N_or_ID_deletes_another_conversation_and_the_current_one_goes_on()
    {
        var cli = new CliHarness { Pipeline = { EchoQuestion = true } };
        Assert.Equal(0, await cli.RunAsync("Kept?\n/new\nDeleted by id?\n/exit\n"));
        var byId = (await cli.ConversationsAsync(Ct)).Conversations.Single(c => c.Title == "Deleted by id?").Id;

        Assert.Equal(0, await cli.RunAsync(
            $"/delete\n/delete {byId}\nY\nDeleted by number?\n/new\nCurrent?\n/history\n/delete 2\ny\n/delete 9\n/delete {byId}\nAnd more?\n/exit\n"));

        Assert.Contains("There is no conversation to delete yet: /delete N deletes conversation N of /history (or /delete ID).", cli.Output, StringComparison.Ordinal);
        Assert.Contains("Delete conversation \"Deleted by id?\" (1 turn)? It cannot be undone.", cli.Output, StringComparison.Ordinal);
        Assert.Contains("Delete conversation \"Deleted by number?\" (1 turn)? It cannot be undone.", cli.Output, StringComparison.Ordinal);
        Assert.Contains("There is no conversation 9: /history lists 3.", cli.Output, StringComparison.Ordinal);
        Assert.Contains($"No conversation has the id {byId}. /history lists them.", cli.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("next question starts a new conversation", cli.Output, StringComparison.Ordinal);
        Assert.Equal(["Current?", FakeAnswerPipeline.AnswerFor("Current?")], cli.Pipeline.Requests.Last().History!.Select(m => m.Text));
        Assert.Equal([("Current?", 2), ("Kept?", 1)], (await cli.ConversationsAsync(Ct)).Conversations.Select(c => (c.Title, c.TurnCount)));
    }

    [Fact]
    public async Task Export_writes_the_services_markdown_under_the_titles_name_in_the_working_folder()
    {
        await using var chat = new StoredChat();

        await chat.RunAsync("What speeds up decoding?", "And attention?", "/export");

        var path = Path.Combine(chat.Work, "What-speeds-up-decoding.md");
        Assert.Contains($"Exported to {path}", chat.Output, StringComparison.Ordinal);
        var stored = await chat.Store.GetAsync(chat.Session!.ConversationId!, Ct);
        var markdown = await File.ReadAllTextAsync(path, Ct);
        Assert.Equal(ConversationMarkdown.Write(stored!), markdown);
        Assert.StartsWith("# What speeds up decoding?\n", markdown, StringComparison.Ordinal);
        Assert.Contains("## 2. And attention?\n\nDraft models speed up decoding [1]. See also [7].\n", markdown, StringComparison.Ordinal);
        Assert.Contains("## References\n\n1. Speculative Decoding at Scale (paper-a, Feb 22, 2024)\n", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_never_overwrites_a_file_and_writes_to_a_named_file_or_folder()
    {
        await using var chat = new StoredChat();
        var taken = Path.Combine(chat.Work, "What-speeds-up-decoding.md");
        await File.WriteAllTextAsync(taken, "my own notes", Ct);
        Directory.CreateDirectory(Path.Combine(chat.Work, "exports"));

        await chat.RunAsync("What speeds up decoding?", "/export", "/export notes.md", "/export notes.md", "/export exports");

        Assert.Contains($"{taken} already exists: not overwritten. Name another file: /export FILE.", chat.Output, StringComparison.Ordinal);
        Assert.Equal("my own notes", await File.ReadAllTextAsync(taken, Ct));
        var named = Path.Combine(chat.Work, "notes.md");
        Assert.Contains($"Exported to {named}", chat.Output, StringComparison.Ordinal);
        Assert.Contains($"{named} already exists: not overwritten.", chat.Output, StringComparison.Ordinal);
        Assert.StartsWith("# What speeds up decoding?", await File.ReadAllTextAsync(named, Ct), StringComparison.Ordinal);
        var inFolder = Path.Combine(chat.Work, "exports", "What-speeds-up-decoding.md");
        Assert.Contains($"Exported to {inFolder}", chat.Output, StringComparison.Ordinal);
        Assert.StartsWith("# What speeds up decoding?", await File.ReadAllTextAsync(inFolder, Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_reads_a_leading_tilde_as_the_home_folder()
    {
        await using var chat = new StoredChat();
        Directory.CreateDirectory(chat.Home);

        await chat.RunAsync("What speeds up decoding?", "/export ~/x.md", "/export ~", "/export ~x.md");

        var home = Path.Combine(chat.Home, "x.md");
        Assert.Contains($"Exported to {home}", chat.Output, StringComparison.Ordinal);
        Assert.StartsWith("# What speeds up decoding?", await File.ReadAllTextAsync(home, Ct), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(chat.Home, "What-speeds-up-decoding.md")));
        Assert.False(Directory.Exists(Path.Combine(chat.Work, "~"))); // no folder named "~" in the working folder
        Assert.True(File.Exists(Path.Combine(chat.Work, "~x.md"))); // "~name" is a name, as in a shell for a user that does not exist
    }

    [Fact]
    public async Task Export_before_a_question_says_there_is_nothing_and_writes_nothing()
    {
        await using var chat = new StoredChat();

        await chat.RunAsync("/export");

        Assert.Contains("There is no conversation to export yet: ask a question first, or /open one.", chat.Output, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(chat.Work));
    }

    [Fact]
    public async Task Help_lists_the_commands_and_without_a_store_they_say_conversations_are_not_stored()
    {
        await using var chat = new StoredChat();
        await chat.RunAsync("/help");
        Assert.Contains("/rename TITLE", chat.Output, StringComparison.Ordinal);
        Assert.Contains("/delete [N]", chat.Output, StringComparison.Ordinal);
        Assert.Contains("/export [FILE]", chat.Output, StringComparison.Ordinal);

        await using var unstored = new StoredChat(stored: false);
        await unstored.RunAsync("What speeds up decoding?", "/help", "/rename Notes", "/delete", "/export");

        Assert.DoesNotContain("/rename", unstored.Output, StringComparison.Ordinal);
        Assert.Equal(3, unstored.Output.Split("Conversations are not stored in this chat.").Length - 1);
        Assert.Empty(Directory.EnumerateFileSystemEntries(unstored.Work));
    }

    // The chat of the real command line, typed on piped input; each answer echoes its question.
    private static async Task<CliHarness> ChatAsync(string script)
    {
        var cli = new CliHarness { Pipeline = { EchoQuestion = true } };
        Assert.Equal(0, await cli.RunAsync(script));
        return cli;
    }

    /// <summary>A chat session over a store of its own, with a working folder of its own for <c>/export</c>.</summary>
    private sealed class StoredChat(bool stored = true) : IAsyncDisposable
    {
        private readonly TempFolder folder = new();
        private readonly StringWriter output = new();

        public SqliteConversationStore Store { get; } = new(Path.Combine(Path.GetTempPath(), "ragassistant-cli-tests", Guid.NewGuid().ToString("N") + ".db"), new ConversationOptions());

        public string Work => folder.Path;

        /// <summary>The session's home folder (a leading "~" of <c>/export</c>), inside the working folder.</summary>
        public string Home => Path.Combine(folder.Path, "home");

        public string Output => output.ToString();

        public ChatSession? Session { get; private set; }

        public async Task RunAsync(params string[] lines)
        {
            var assistant = TestAssistant.For(new FakeAnswerPipeline());
            var conversations = stored
                ? new ConversationService(Store, assistant, Options.Create(new ConversationOptions()), NullLogger<ConversationService>.Instance)
                : null;
            Session = new ChatSession(assistant, Runtime, Terminal.Plain(output, TextWriter.Null, TextReader.Null), new QueueLineReader(lines), conversations: conversations)
            {
                WorkingFolder = folder.Path,
                HomeFolder = Home,
            };
            Assert.Equal(ExitCodes.Success, await Session.RunAsync(Ct));
        }

        public async ValueTask DisposeAsync()
        {
            await Store.DisposeAsync();
            folder.Dispose();
            output.Dispose();
        }
    }
}
