using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using RagAssistant.Core.Answering;
using RagAssistant.Hosting.Application;
using RagAssistant.Hosting.Contract;
using RagAssistant.Hosting.Conversations;

namespace RagAssistant.Hosting.Tests.Conversations;

/// <summary>
/// The one test suite every conversation store passes (<see cref="SqliteConversationStoreTests"/>,
/// <see cref="PostgresConversationStoreTests"/>): each provider supplies a fresh store over a real database, a second
/// store over the same database (a restart, or another instance), and raw SQL for what only a newer version would do.
/// </summary>
public abstract class ConversationStoreContract : IAsyncLifetime
{
    private readonly List<SqlConversationStore> _stores = [];

    /// <summary>The store under test, over a fresh database.</summary>
    protected SqlConversationStore Store { get; private set; } = null!;

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        await CreateDatabaseAsync();
        Store = Open(new ConversationOptions());
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>Creates the fresh database the test's stores open.</summary>
    protected abstract Task CreateDatabaseAsync();

    /// <summary>A store over the test's database: a second one is what a restarted or another process sees.</summary>
    protected abstract SqlConversationStore CreateStore(ConversationOptions options);

    /// <summary>Runs SQL on the test's database directly.</summary>
    protected abstract Task ExecuteAsync(string sql);

    protected SqlConversationStore Open(ConversationOptions options)
    {
        var store = CreateStore(options);
        _stores.Add(store);
        return store;
    }

    [Fact]
    public async Task A_conversation_keeps_its_title_times_and_turns_in_order()
    {
        var created = await Store.CreateAsync("Speculative decoding", Ct);
        var first = await Store.AddQuestionAsync(created.Id, "What is speculative decoding?", Ct);
        await Store.FinishTurnAsync(created.Id, first, new TurnOutcome(TurnStatus.Completed, """{"answer":"Drafts [1]."}""", "Drafts [1].", "speculative decoding"), Ct);
        var second = await Store.AddQuestionAsync(created.Id, "And its cost?", Ct);

        var conversation = await Store.GetAsync(created.Id, Ct);

        Assert.NotNull(conversation);
        Assert.Equal("Speculative decoding", conversation.Title);
        Assert.Equal(32, created.Id.Length);
        Assert.Equal([1, 2], [first, second]);
        Assert.Equal(["What is speculative decoding?", "And its cost?"], conversation.Turns.Select(t => t.Question));
        Assert.Equal([TurnStatus.Completed, TurnStatus.Pending], conversation.Turns.Select(t => t.Status));
        Assert.Equal("""{"answer":"Drafts [1]."}""", conversation.Turns[0].AnswerJson);
        Assert.Equal("speculative decoding", conversation.Turns[0].RetrievalQuery);
        Assert.Null(conversation.Turns[1].AnswerJson);
        Assert.True(conversation.Updated >= conversation.Created);
    }

    [Fact]
    public async Task A_question_is_stored_before_its_answer_and_a_cancelled_or_failed_answer_keeps_its_partial_text()
    {
        var id = (await Store.CreateAsync("t", Ct)).Id;
        var cancelled = await Store.AddQuestionAsync(id, "q1", Ct);

        // Stored at once: another store over the same database (another process) sees the pending question.
        var seen = await Open(new ConversationOptions()).GetAsync(id, Ct);
        Assert.Equal(TurnStatus.Pending, Assert.Single(seen!.Turns).Status);

        await Store.FinishTurnAsync(id, cancelled, new TurnOutcome(TurnStatus.Cancelled, null, "Half an ans", "q1"), Ct);
        var failed = await Store.AddQuestionAsync(id, "q2", Ct);
        await Store.FinishTurnAsync(id, failed, new TurnOutcome(TurnStatus.Failed, null, "Par", null, "the model server closed the connection"), Ct);

        var turns = (await Store.GetAsync(id, Ct))!.Turns;
        Assert.Equal((TurnStatus.Cancelled, "Half an ans", (string?)null), (turns[0].Status, turns[0].AnswerText, turns[0].Error));
        Assert.Equal((TurnStatus.Failed, "Par", "the model server closed the connection"), (turns[1].Status, turns[1].AnswerText, turns[1].Error));
    }

    [Fact]
    public async Task The_list_is_newest_first_paged_by_cursor_and_searched_by_title()
    {
        var ids = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            ids.Add((await Store.CreateAsync(i % 2 == 0 ? $"Attention {i}" : $"Decoding 100%_{i}", Ct)).Id);
        }

        // Touching the oldest makes it the newest (a later millisecond: times are stored to the millisecond).
        await Task.Delay(10, Ct);
        await Store.AddQuestionAsync(ids[0], "again", Ct);

        var pages = new List<ConversationPage>();
        string? cursor = null;
        do
        {
            var page = await Store.ListAsync(null, 3, cursor, Ct);
            pages.Add(page);
            cursor = page.Next;
        }
        while (cursor is not null);

        var listed = pages.SelectMany(p => p.Conversations).ToList();
        Assert.Equal([3, 3, 1], pages.Select(p => p.Conversations.Count));
        Assert.Equal(ids.Count, listed.Select(c => c.Id).Distinct().Count());
        Assert.Equal(ids[0], listed[0].Id);
        Assert.Equal(1, listed[0].TurnCount);
        Assert.True(listed.Zip(listed.Skip(1)).All(p => p.First.Updated >= p.Second.Updated));

        // Case-insensitive substring; % and _ are literal.
        Assert.Equal(4, (await Store.ListAsync("attention", 100, null, Ct)).Conversations.Count);
        Assert.Equal(3, (await Store.ListAsync("100%_", 100, null, Ct)).Conversations.Count);
        Assert.Empty((await Store.ListAsync("0%x", 100, null, Ct)).Conversations);
        await Assert.ThrowsAsync<ArgumentException>(() => Store.ListAsync(null, 3, "not-a-cursor", Ct));
    }

    [Fact]
    public async Task Rename_and_delete_change_only_the_named_conversation_and_report_unknown_ids()
    {
        var keep = (await Store.CreateAsync("keep", Ct)).Id;
        var gone = (await Store.CreateAsync("gone", Ct)).Id;
        await Store.AddQuestionAsync(gone, "q", Ct);

        Assert.True(await Store.RenameAsync(keep, "Renamed", Ct));
        Assert.True(await Store.DeleteAsync(gone, Ct));

        Assert.Equal("Renamed", (await Store.GetAsync(keep, Ct))!.Title);
        Assert.Null(await Store.GetAsync(gone, Ct));
        Assert.False(await Store.DeleteAsync(gone, Ct));
        Assert.False(await Store.RenameAsync("0123456789abcdef0123456789abcdef", "x", Ct));
        var missing = await Assert.ThrowsAsync<ConversationStoreException>(() => Store.AddQuestionAsync(gone, "q", Ct));
        Assert.Equal(ConversationStoreError.NotFound, missing.Error);
    }

    [Fact]
    public async Task The_limits_on_conversations_and_turns_are_refused_with_the_setting_named()
    {
        var store = Open(new ConversationOptions { MaxConversations = 2, MaxTurnsPerConversation = 2 });
        var id = (await store.CreateAsync("a", Ct)).Id;
        await store.CreateAsync("b", Ct);
        await store.AddQuestionAsync(id, "1", Ct);
        await store.AddQuestionAsync(id, "2", Ct);

        var conversations = await Assert.ThrowsAsync<ConversationStoreException>(() => store.CreateAsync("c", Ct));
        var turns = await Assert.ThrowsAsync<ConversationStoreException>(() => store.AddQuestionAsync(id, "3", Ct));

        Assert.Equal(ConversationStoreError.LimitReached, conversations.Error);
        Assert.Contains("Conversations:MaxConversations", conversations.Message, StringComparison.Ordinal);
        Assert.Equal(ConversationStoreError.LimitReached, turns.Error);
        Assert.Contains("Conversations:MaxTurnsPerConversation", turns.Message, StringComparison.Ordinal);
        Assert.Equal(2, (await store.GetAsync(id, Ct))!.Turns.Count);
    }

    [Fact]
    public async Task A_restarted_store_sees_every_conversation_and_a_newer_schema_is_refused_untouched()
    {
        var id = (await Store.CreateAsync("before the restart", Ct)).Id;
        await Store.AddQuestionAsync(id, "q", Ct);

        var restarted = Open(new ConversationOptions());
        Assert.Equal("before the restart", (await restarted.GetAsync(id, Ct))!.Title);

        await ExecuteAsync("UPDATE conversation_schema SET version = 99");
        var newer = Open(new ConversationOptions());
        var refused = await Assert.ThrowsAsync<ConversationStoreException>(() => newer.InitializeAsync(Ct));

        Assert.Equal(ConversationStoreError.SchemaTooNew, refused.Error);
        Assert.Contains("schema version 99", refused.Message, StringComparison.Ordinal);
        Assert.Contains($"reads version {SqlConversationStore.SchemaVersion} at most", refused.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ConversationStoreException>(() => newer.GetAsync(id, Ct));
    }

    [Fact]
    public async Task The_conversation_lock_lets_one_turn_in_at_a_time()
    {
        var id = (await Store.CreateAsync("t", Ct)).Id;
        var first = await Store.LockAsync(id, Ct);
        var second = Store.LockAsync(id, Ct);
        var other = await Store.LockAsync((await Store.CreateAsync("u", Ct)).Id, Ct);

        await Task.Delay(200, Ct);
        Assert.False(second.IsCompleted);
        await first.DisposeAsync();
        await (await second.WaitAsync(TimeSpan.FromSeconds(10), Ct)).DisposeAsync();
        await other.DisposeAsync();
    }

    [Fact]
    public async Task Two_questions_to_one_conversation_at_once_are_answered_one_after_the_other_with_the_first_as_history()
    {
        var pipeline = new FakeAnswerPipeline { EchoQuestion = true, TokenDelay = TimeSpan.FromMilliseconds(20) };
        var service = Service(pipeline, Store);
        var ask = (await service.PrepareAsync(null, "What is attention?", null, null, null, Ct)).Ask!;
        var followUp = (await service.PrepareAsync(ask.ConversationId, "And sparse attention?", null, null, null, Ct)).Ask!;

        await Task.WhenAll(service.AskAsync(ask, Ct), service.AskAsync(followUp, Ct));

        var requests = pipeline.Requests.ToArray();
        var conversation = (await Store.GetAsync(ask.ConversationId, Ct))!;
        Assert.Equal("What is attention?", conversation.Title);
        Assert.All(conversation.Turns, t => Assert.Equal(TurnStatus.Completed, t.Status));

        // Whichever ran second saw the first's question and whole answer.
        Assert.Empty(requests[0].History!);
        Assert.Equal([requests[0].Question, FakeAnswerPipeline.AnswerFor(requests[0].Question)], requests[1].History!.Select(m => m.Text));
        Assert.Contains($"\"conversation_id\":\"{ask.ConversationId}\"", conversation.Turns[0].AnswerJson, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cancelled_answer_is_stored_as_cancelled_with_its_partial_text_and_is_not_history()
    {
        var pipeline = new FakeAnswerPipeline { HoldAfterFirstToken = new TaskCompletionSource() };
        var service = Service(pipeline, Store);
        var ask = (await service.PrepareAsync(null, "q1", null, null, null, Ct)).Ask!;
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);

        var answering = service.AskAsync(ask, cancel.Token);
        await pipeline.FirstTokenSent.WaitAsync(Ct);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => answering);

        pipeline.HoldAfterFirstToken = null;
        pipeline.FailAfterFirstToken = new InvalidOperationException("the model server went away");
        var failing = (await service.PrepareAsync(ask.ConversationId, "q2", null, null, null, Ct)).Ask!;
        await Assert.ThrowsAsync<InvalidOperationException>(() => service.AskAsync(failing, Ct));
        pipeline.FailAfterFirstToken = null;
        await service.AskAsync((await service.PrepareAsync(ask.ConversationId, "q3", null, null, null, Ct)).Ask!, Ct);

        var turns = (await Store.GetAsync(ask.ConversationId, Ct))!.Turns;
        Assert.Equal([TurnStatus.Cancelled, TurnStatus.Failed, TurnStatus.Completed], turns.Select(t => t.Status));
        Assert.Equal(pipeline.Pieces[0], turns[0].AnswerText);
        Assert.Equal("the model server went away", turns[1].Error);
        Assert.Empty(pipeline.Requests.Last().History!);
    }

    [Fact]
    public async Task An_unknown_conversation_or_a_full_one_is_refused_before_anything_is_stored()
    {
        var limits = new ConversationOptions { MaxTurnsPerConversation = 1 };
        var service = Service(new FakeAnswerPipeline(), Open(limits), limits);
        var ask = (await service.PrepareAsync(null, "q1", null, null, null, Ct)).Ask!;
        await service.AskAsync(ask, Ct);

        var full = await Assert.ThrowsAsync<ConversationStoreException>(() => service.PrepareAsync(ask.ConversationId, "q2", null, null, null, Ct));
        var unknown = await Assert.ThrowsAsync<ConversationStoreException>(() => service.PrepareAsync("0123456789abcdef0123456789abcdef", "q", null, null, null, Ct));
        var both = await service.PrepareAsync(ask.ConversationId, "q", [new ChatMessage(ChatRole.User, "hi")], null, null, Ct);
        var empty = await service.PrepareAsync(null, "  ", null, null, null, Ct);

        Assert.Equal(ConversationStoreError.LimitReached, full.Error);
        Assert.Equal(ConversationStoreError.NotFound, unknown.Error);
        Assert.Contains("either conversation_id or history", both.Error, StringComparison.Ordinal);
        Assert.NotNull(empty.Error);
        Assert.Single((await Store.ListAsync(null, 10, null, Ct)).Conversations);
    }

    [Fact]
    public async Task A_conversation_opened_with_chat_is_titled_after_its_first_real_question_unless_renamed()
    {
        var pipeline = new FakeAnswerPipeline { Pieces = [AnswerPipeline.ChatReply], Mode = AnswerMode.NotCovered };
        var service = Service(pipeline, Store);
        var greeted = (await service.PrepareAsync(null, "hi", null, null, null, Ct)).Ask!;
        await service.AskAsync(greeted, Ct);
        await service.AskAsync((await service.PrepareAsync(greeted.ConversationId, "thanks!", null, null, null, Ct)).Ask!, Ct);
        var renamed = (await service.PrepareAsync(null, "hello", null, null, null, Ct)).Ask!;
        await service.AskAsync(renamed, Ct);
        Assert.Null(await service.RenameAsync(renamed.ConversationId, "My greetings", cancellationToken: Ct));
        Assert.Equal("hi", (await Store.GetAsync(greeted.ConversationId, Ct))!.Title);

        pipeline.Pieces = ["Draft models speed up decoding [1]."];
        pipeline.Mode = AnswerMode.Generated;
        await service.AskAsync((await service.PrepareAsync(greeted.ConversationId, "What is speculative decoding?", null, null, null, Ct)).Ask!, Ct);
        await service.AskAsync((await service.PrepareAsync(greeted.ConversationId, "And its cost?", null, null, null, Ct)).Ask!, Ct);
        await service.AskAsync((await service.PrepareAsync(renamed.ConversationId, "What is LoRA?", null, null, null, Ct)).Ask!, Ct);

        // Titled after the first question that was not chat, once; a title the user gave stays.
        Assert.Equal("What is speculative decoding?", (await Store.GetAsync(greeted.ConversationId, Ct))!.Title);
        Assert.Equal("My greetings", (await Store.GetAsync(renamed.ConversationId, Ct))!.Title);
    }

    [Fact]
    public async Task The_export_is_markdown_with_one_numbered_reference_list_for_the_whole_conversation()
    {
        var pipeline = new FakeAnswerPipeline { Pieces = ["Sparse [2] and drafts [1]."] };
        var service = Service(pipeline, Store);
        var ask = (await service.PrepareAsync(null, "What do the papers say?", null, null, null, Ct)).Ask!;
        await service.AskAsync(ask, Ct);
        pipeline.Pieces = ["Drafts again [1]."];
        await service.AskAsync((await service.PrepareAsync(ask.ConversationId, "Only drafts?", null, null, null, Ct)).Ask!, Ct);

        var markdown = ConversationMarkdown.Write((await Store.GetAsync(ask.ConversationId, Ct))!);

        Assert.StartsWith("# What do the papers say?\n", markdown, StringComparison.Ordinal);
        Assert.Contains("## 1. What do the papers say?\n\nSparse [1] and drafts [2].", markdown, StringComparison.Ordinal);
        Assert.Contains("## 2. Only drafts?\n\nDrafts again [2].", markdown, StringComparison.Ordinal);
        Assert.Contains("## References\n\n1. Sparse Attention Revisited (paper-b, Mar 1, 2024)\n2. Speculative Decoding at Scale (paper-a, Feb 22, 2024)\n", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_export_holds_no_escape_sequence_or_bidi_override_of_the_model_output()
    {
        var pipeline = new FakeAnswerPipeline { Pieces = ["Drafts \u001b]0;PWNED\u0007speed \u001b[31mup\u001b[0m \u202edecoding\u202c [1]."] };
        var service = Service(pipeline, Store);
        var ask = (await service.PrepareAsync(null, "What do the papers say?", null, null, null, Ct)).Ask!;
        await service.AskAsync(ask, Ct);

        var markdown = ConversationMarkdown.Write((await Store.GetAsync(ask.ConversationId, Ct))!);

        Assert.Contains("## 1. What do the papers say?\n\nDrafts speed up decoding [1].", markdown, StringComparison.Ordinal);
        Assert.DoesNotContain(markdown, c => RagAssistant.Core.ControlCharacters.IsControl(c) && c is not '\n');
    }

    private static ConversationService Service(FakeAnswerPipeline pipeline, IConversationStore store, ConversationOptions? options = null)
    {
        var assistant = new AssistantService(pipeline, Options.Create(new AskOptions()));
        return new ConversationService(store, assistant, Options.Create(options ?? new ConversationOptions()), NullLogger<ConversationService>.Instance);
    }
}
