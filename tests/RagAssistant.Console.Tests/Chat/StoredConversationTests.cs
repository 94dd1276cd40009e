using System.Text.Json;
using Microsoft.Data.Sqlite;
using RagAssistant.Console.Tests.TestDoubles;
using RagAssistant.Hosting.Conversations;

namespace RagAssistant.Console.Tests.Chat;

/// <summary>The console's stored conversations: <c>--continue</c>, <c>--conversation ID</c>, <c>/history</c>, <c>/open N</c>, <c>/new</c>, <c>ask --conversation ID</c>, over the real SQLite store.</summary>
public sealed class StoredConversationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_restarted_chat_continues_the_last_conversation_with_its_history()
    {
        var cli = new CliHarness { Pipeline = { EchoQuestion = true } };
        Assert.Equal(0, await cli.RunAsync("What is speculative decoding?\n/exit\n"));

        Assert.Equal(0, await cli.RunAsync("And its cost?\n/exit\n", "--continue"));

        Assert.Contains("Continuing \"What is speculative decoding?\" (1 turn", cli.Output, StringComparison.Ordinal);
        Assert.Equal(
            ["What is speculative decoding?", FakeAnswerPipeline.AnswerFor("What is speculative decoding?")],
            cli.Pipeline.Requests.Last().History!.Select(m => m.Text));
        var conversation = Assert.Single((await cli.ConversationsAsync(Ct)).Conversations);
        Assert.Equal(2, conversation.TurnCount);
    }

    [Fact]
    public async Task Sources_and_evidence_after_continue_show_the_resumed_answers()
    {
        var cli = new CliHarness();
        cli.Pipeline.Claims = [(-1, new Core.Evidence.AnswerClaim("Draft models speed up decoding [1].", [1], Core.Evidence.ClaimVerdict.Supported, [new Core.Evidence.ClaimEvidence(1, "We speed up decoding with a draft model.", 0.83)], []))];
        Assert.Equal(0, await cli.RunAsync("What speeds up decoding?\n/exit\n"));

        Assert.Equal(0, await cli.RunAsync("/sources\n/evidence\n/exit\n", "--continue"));

        var resumed = cli.Output[cli.Output.IndexOf("Continuing", StringComparison.Ordinal)..];
        Assert.DoesNotContain("No sources yet", resumed, StringComparison.Ordinal);
        Assert.DoesNotContain("No answer yet", resumed, StringComparison.Ordinal);
        Assert.Contains("[1] Speculative Decoding at Scale (Feb 22, 2024, score 0.910)", resumed, StringComparison.Ordinal);
        Assert.Contains("[2] Sparse Attention Revisited (Mar 1, 2024, score 0.550)", resumed, StringComparison.Ordinal);
        Assert.Contains("their passages are not stored with the conversation; ask again to see them.", resumed, StringComparison.Ordinal);
        Assert.Contains("Draft models speed up decoding [1]. (supported)", resumed, StringComparison.Ordinal);
        Assert.Contains("We speed up decoding with a draft model.", resumed, StringComparison.Ordinal);
        Assert.Single(cli.Pipeline.Requests); // nothing was asked again
    }

    [Fact]
    public async Task Sources_after_continuing_a_cancelled_answer_say_they_are_not_stored()
    {
        var cli = new CliHarness();
        await using (var store = new SqliteConversationStore(new SqliteConnectionStringBuilder(cli.Configuration["ConnectionStrings:Conversations"]).DataSource, new ConversationOptions()))
        {
            var created = await store.CreateAsync("What speeds up decoding?", Ct);
            var turn = await store.AddQuestionAsync(created.Id, "What speeds up decoding?", Ct);
            await store.FinishTurnAsync(created.Id, turn, new TurnOutcome(TurnStatus.Cancelled, null, "Draft models", null), Ct);
        }

        Assert.Equal(0, await cli.RunAsync("/sources\n/evidence\n/exit\n", "--continue"));

        Assert.Contains("The resumed answer's sources are not stored (it did not complete): ask again to see them.", cli.Output, StringComparison.Ordinal);
        Assert.Contains("The resumed answer's claims are not stored (it did not complete): ask again to check them.", cli.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("No sources yet", cli.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task History_lists_recent_conversations_open_switches_and_new_starts_fresh()
    {
        var cli = new CliHarness { Pipeline = { EchoQuestion = true } };

        var exitCode = await cli.RunAsync("Attention sinks?\n/new\nDecoding speed?\n/history\n/open 2\nWhy do sinks appear?\n/exit\n");

        Assert.Equal(0, exitCode);
        var listing = cli.Output[cli.Output.IndexOf("1. ", StringComparison.Ordinal)..];
        Assert.True(listing.IndexOf("Decoding speed?", StringComparison.Ordinal) < listing.IndexOf("Attention sinks?", StringComparison.Ordinal), cli.Output);
        Assert.Contains("Continuing \"Attention sinks?\"", cli.Output, StringComparison.Ordinal);
        Assert.Equal(["Attention sinks?", FakeAnswerPipeline.AnswerFor("Attention sinks?")], cli.Pipeline.Requests.Last().History!.Select(m => m.Text));
        Assert.Equal([2, 1], (await cli.ConversationsAsync(Ct)).Conversations.Select(c => c.TurnCount));
    }

    [Fact]
    public async Task History_lists_one_conversation_a_line_in_aligned_columns_at_80_columns()
    {
        var cli = new CliHarness { Pipeline = { EchoQuestion = true }, Width = 80 };
        var questions = new[]
        {
            "What is the effect of a rather long question on the layout of the conversation history listing?",
            "注意力机制是什么？它如何工作",
            "Q?",
        };
        var followUps = string.Concat(Enumerable.Range(1, 11).Select(i => $"And follow-up {i}?\n"));

        Assert.Equal(0, await cli.RunAsync(string.Join("/new\n", questions.Select(q => $"{q}\n")) + followUps + "/history\n/exit\n"));

        var listing = cli.Output[cli.Output.LastIndexOf("/history", StringComparison.Ordinal)..cli.Output.IndexOf("/open N continues one.", StringComparison.Ordinal)];
        var lines = listing.Split('\n', StringSplitOptions.RemoveEmptyEntries)[1..];
        Assert.Equal(3, lines.Length); // one line a conversation: a long title is cut, not wrapped
        Assert.All(lines, line => Assert.True(CellWidth(line.TrimEnd()) <= 80, line));
        Assert.Contains(lines, line => line.Contains("12 turns", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains(" 1 turn ", StringComparison.Ordinal));

        // The number's dot, the turn count's last digit and the date start at the same column on every line.
        Assert.Single(lines.Select(line => CellWidth(line[..(line.IndexOf('.') + 1)])).Distinct());
        Assert.Single(lines.Select(line => CellWidth(line[..line.IndexOf(" turn", StringComparison.Ordinal)])).Distinct());
        Assert.Single(lines.Select(line => CellWidth(line[..DateAt(line)])).Distinct());
    }

    // Terminal columns: CJK characters take two.
    private static int CellWidth(string text) => text.Sum(c => c is >= '\u3000' and <= '\u9FFF' or >= '\uFF00' and <= '\uFF60' ? 2 : 1);

    private static int DateAt(string line) => System.Text.RegularExpressions.Regex.Match(line, @"\d{4}-\d{2}-\d{2} \d{2}:\d{2}").Index;

    [Fact]
    public async Task Ask_with_an_unknown_conversation_points_to_the_chats_history_not_to_the_http_api()
    {
        var cli = new CliHarness();

        Assert.Equal(2, await cli.RunAsync(string.Empty, "ask", "q", "--conversation", "nope"));

        Assert.Equal("error: no conversation has the id 'nope'. The chat lists them: run `dotnet run --project src/RagAssistant.Console --` and type /history.", cli.Error.Split('\n')[0].TrimEnd());
        Assert.DoesNotContain("/api/", cli.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ask_with_a_conversation_adds_a_turn_and_names_it_and_an_unknown_id_is_bad_usage()
    {
        var cli = new CliHarness { Pipeline = { EchoQuestion = true } };
        Assert.Equal(0, await cli.RunAsync("What is attention?\n/exit\n"));
        var id = (await cli.ConversationsAsync(Ct)).Conversations[0].Id;

        Assert.Equal(0, await cli.RunAsync(string.Empty, "ask", "And sparse attention?", "--conversation", id, "--json"));
        using var json = JsonDocument.Parse(cli.Output);
        Assert.Equal(id, json.RootElement.GetProperty("conversation_id").GetString());
        Assert.Equal(["What is attention?", FakeAnswerPipeline.AnswerFor("What is attention?")], cli.Pipeline.Requests.Last().History!.Select(m => m.Text));

        Assert.Equal(2, await cli.RunAsync(string.Empty, "ask", "q", "--conversation", "0123456789abcdef0123456789abcdef"));
        Assert.Contains("error: no conversation has the id", cli.Error, StringComparison.Ordinal);
        Assert.Equal(2, await cli.RunAsync("/exit\n", "--conversation", "0123456789abcdef0123456789abcdef"));
        Assert.Equal(2, (await cli.ConversationsAsync(Ct)).Conversations[0].TurnCount);
    }
}
