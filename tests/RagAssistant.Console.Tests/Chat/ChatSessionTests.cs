using RagAssistant.Console.Chat;
using RagAssistant.Console.Cli;
using RagAssistant.Console.Rendering;
using RagAssistant.Console.Tests.TestDoubles;
using RagAssistant.Core.Retrieval;
using RagAssistant.Hosting;

namespace RagAssistant.Console.Tests.Chat;

public sealed class ChatSessionTests
{
    private static readonly AssistantRuntimeInfo Runtime = new(
        "/models/chat.gguf", "llama 292K F32", "/models/embed.gguf", "cpu", 2048, 4, "/corpus", RetrievalOnly: false, []);

    [Fact]
    public async Task Answers_then_lists_sources_and_exits_on_slash_exit()
    {
        var cli = new CliHarness();

        var exitCode = await cli.RunAsync("What speeds up decoding?\n/sources\n/model\n/exit\nnever read\n");

        Assert.Equal(0, exitCode);
        var output = cli.Output;
        Assert.Contains("model:     scripted llama 292K F32", output, StringComparison.Ordinal);
        Assert.Contains("Draft models speed up decoding [1]. See also [7].", output, StringComparison.Ordinal);
        Assert.Contains("[1] Speculative Decoding at Scale", output, StringComparison.Ordinal);
        Assert.Contains("score 0.550", output, StringComparison.Ordinal);
        Assert.Contains("backend:   in-process, context 2048 tokens, 0 threads", output, StringComparison.Ordinal);
        Assert.Single(cli.Pipeline.Requests);
    }

    [Fact]
    public async Task Follow_up_questions_carry_the_history_until_reset()
    {
        var cli = new CliHarness();

        await cli.RunAsync("first question\nand the second one?\n/reset\nfresh question\n");

        var requests = cli.Pipeline.Requests.ToArray();
        Assert.Equal(3, requests.Length);
        Assert.Empty(requests[0].History!);
        Assert.Equal(["first question", "Draft models speed up decoding [1]. See also [7]."], requests[1].History!.Select(m => m.Text));
        Assert.Empty(requests[2].History!);
    }

    [Fact]
    public async Task After_new_the_last_answers_sources_are_gone_with_its_conversation()
    {
        var cli = new CliHarness();

        await cli.RunAsync("first question\n/sources\n/new\n/sources\n");

        var afterNew = cli.Output[cli.Output.LastIndexOf("New conversation", StringComparison.Ordinal)..];
        Assert.Contains("No sources yet: ask a question first.", afterNew, StringComparison.Ordinal);
        Assert.DoesNotContain("Speculative Decoding at Scale", afterNew, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_commands_and_failures_do_not_end_the_session()
    {
        var cli = new CliHarness();
        cli.Pipeline.Failure = new InvalidOperationException("context overflow");

        var exitCode = await cli.RunAsync("/frobnicate\nquestion\n/help\n");

        Assert.Equal(0, exitCode);
        Assert.Contains("Unknown command /frobnicate", cli.Output, StringComparison.Ordinal);
        Assert.Contains("Could not answer: context overflow", cli.Output, StringComparison.Ordinal);
        Assert.Contains("/sources", cli.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_help_wraps_each_description_under_its_own_start_on_a_narrow_terminal()
    {
        var cli = new CliHarness { Width = 60 };

        await cli.RunAsync("/help\n");

        var lines = cli.Output.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        var sources = lines.FindIndex(l => l.StartsWith("/sources ", StringComparison.Ordinal));
        Assert.True(sources >= 0, cli.Output);
        var indent = lines[sources].IndexOf("the passages", StringComparison.Ordinal);
        Assert.True(indent > "/sources".Length, lines[sources]);

        // "/sources  the passages offered for the last answer, with scores" does not fit 60 columns: its second line
        // starts under "the", not at column 0.
        Assert.Equal(new string(' ', indent), lines[sources + 1][..indent]);
        Assert.NotEqual(' ', lines[sources + 1][indent]);
        var help = lines[lines.FindIndex(l => l.StartsWith("/help ", StringComparison.Ordinal))..lines.FindIndex(l => l.StartsWith("Ctrl+C cancels the answer", StringComparison.Ordinal))];
        Assert.All(help, l => Assert.True(l.Length <= 60, l));
        Assert.All(help, l => Assert.Equal(l.TrimEnd(), l));
    }

    [Theory]
    [InlineData("help")]
    [InlineData("HELP")]
    [InlineData("  Help?  ")]
    [InlineData("?")]
    [InlineData("/?")]
    public async Task A_bare_help_or_question_mark_shows_the_help_and_is_never_searched(string line)
    {
        var cli = new CliHarness();

        var exitCode = await cli.RunAsync($"{line}\nhelp me understand LoRA\nquit\nnever asked\n");

        Assert.Equal(0, exitCode);
        Assert.Contains("the passages offered for the last answer", cli.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unknown command", cli.Output, StringComparison.Ordinal);
        var asked = Assert.Single(cli.Pipeline.Requests); // "quit" left before "never asked"
        Assert.Equal("help me understand LoRA", asked.Question);
    }

    [Theory]
    [InlineData("exit")]
    [InlineData("Quit.")]
    public async Task A_bare_exit_or_quit_leaves_like_slash_exit(string line)
    {
        var cli = new CliHarness();

        var exitCode = await cli.RunAsync($"{line}\nnever asked\n");

        Assert.Equal(0, exitCode);
        Assert.Empty(cli.Pipeline.Requests);
    }

    [Theory]
    [InlineData("help me understand LoRA")]
    [InlineData("helpful priors?")]
    [InlineData("exit strategies for early stopping")]
    [InlineData("??")]
    public void A_command_word_among_other_words_is_a_question(string line) => Assert.Null(ChatSession.BareCommand(line));

    [Fact]
    public async Task Cancelling_an_answer_returns_to_the_prompt()
    {
        using var output = new StringWriter();
        var pipeline = new FakeAnswerPipeline { HoldAfterFirstToken = new TaskCompletionSource() };
        var reader = new QueueLineReader("a long question", "/evidence", "/exit");
        var session = new ChatSession(TestAssistant.For(pipeline), Runtime, Terminal.Plain(output, TextWriter.Null, TextReader.Null), reader);

        var run = Task.Run(() => session.RunAsync(TestContext.Current.CancellationToken), TestContext.Current.CancellationToken);
        Assert.True(await pipeline.FirstTokenSent.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));

        Assert.True(session.CancelCurrentAnswer());
        Assert.Equal(0, await run.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        Assert.Contains("Draft models", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("Answer cancelled.", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("The last answer did not complete (cancelled or failed), so its claims were not checked", output.ToString(), StringComparison.Ordinal); // not "No answer yet"
        Assert.DoesNotContain("Sources", output.ToString(), StringComparison.Ordinal);
        Assert.Empty(session.History);
        Assert.False(session.CancelCurrentAnswer());
    }

    [Fact]
    public async Task A_progress_line_shows_above_the_prompt_while_vectors_are_pending_then_a_ready_line()
    {
        using var output = new StringWriter();
        var index = new ProgressIndex { Embedding = new EmbeddingProgress(EmbeddingState.Running, 120, 312, 35.2, TimeSpan.FromSeconds(5.5), null) };
        var reader = new QueueLineReader("first question", "second question", "/exit");
        reader.BeforeRead = n =>
        {
            if (n == 1)
            {
                // Hybrid search is ready; the source sentences the "not covered" check reads go on in the background.
                index.Embedding = new EmbeddingProgress(EmbeddingState.Ready, 312, 312, 35.2, TimeSpan.Zero, null) { SentencesDone = 1200, SentencesTotal = 2674 };
            }
        };
        var session = new ChatSession(TestAssistant.For(new FakeAnswerPipeline()), Runtime, Terminal.Plain(output, TextWriter.Null, TextReader.Null), reader, index);

        await session.RunAsync(TestContext.Current.CancellationToken);

        var text = output.ToString();
        Assert.True(text.IndexOf("source sentences 1,200/2,674 embedded (in the background", StringComparison.Ordinal) > text.IndexOf("answers now use hybrid search", StringComparison.Ordinal), text);
        var progress = text.IndexOf("Semantic index", StringComparison.Ordinal);
        Assert.True(progress >= 0, text);
        Assert.Contains("120/312 passages, 35.2/s, about 6 s left; answers use BM25 (keywords) until it is ready", text, StringComparison.Ordinal);
        var ready = text.IndexOf("Semantic index ready (312 passages): answers now use hybrid search.", StringComparison.Ordinal);
        Assert.True(ready > progress, text);
        Assert.Equal(1, CountOf(text, "answers now use hybrid search")); // said once, not before every prompt
    }

    [Fact]
    public async Task A_piped_chat_shows_the_pending_index_once_not_before_every_prompt()
    {
        using var output = new StringWriter();
        var index = new ProgressIndex { Embedding = new EmbeddingProgress(EmbeddingState.Running, 120, 312, 35.2, TimeSpan.FromSeconds(5.5), null) };
        var reader = new QueueLineReader("first question", "second question", "third question", "/exit");
        reader.BeforeRead = n => index.Embedding = new EmbeddingProgress(EmbeddingState.Running, 120 + (n * 40), 312, 35.2, TimeSpan.FromSeconds(5.5), null);
        var session = new ChatSession(TestAssistant.For(new FakeAnswerPipeline()), Runtime, Terminal.Plain(output, TextWriter.Null, TextReader.Null), reader, index);

        await session.RunAsync(TestContext.Current.CancellationToken);

        Assert.Equal(1, CountOf(output.ToString(), "Semantic index"));
    }

    [Theory]
    [InlineData(1200, EmbeddingState.Queued, true, true)]
    [InlineData(2674, EmbeddingState.Running, false, true)]
    [InlineData(2674, EmbeddingState.Ready, false, false)]
    public async Task A_chat_that_starts_with_hybrid_search_ready_says_once_what_still_embeds(int sentencesDone, EmbeddingState secondDense, bool sentencesLine, bool secondLine)
    {
        using var output = new StringWriter();
        var index = new ProgressIndex { Embedding = new EmbeddingProgress(EmbeddingState.Ready, 312, 312, null, TimeSpan.Zero, null) { SentencesDone = sentencesDone, SentencesTotal = 2674, SecondDense = secondDense } };
        var session = new ChatSession(TestAssistant.For(new FakeAnswerPipeline()), Runtime, Terminal.Plain(output, TextWriter.Null, TextReader.Null), new QueueLineReader("first question", "second question", "/exit"), index);

        await session.RunAsync(TestContext.Current.CancellationToken);

        var text = output.ToString();
        Assert.Equal(sentencesLine ? 1 : 0, CountOf(text, "source sentences 1,200/2,674 embedded (in the background"));
        Assert.Equal(secondLine ? 1 : 0, CountOf(text, "The second dense retriever joins the ranking"));
        Assert.DoesNotContain("answers now use hybrid search", text, StringComparison.Ordinal); // it was hybrid from the start
    }

    [Fact]
    public async Task A_pasted_over_long_question_is_echoed_by_its_start_and_refused_with_the_reason_alone()
    {
        using var output = new StringWriter();
        var question = "Which papers study speculative decoding? " + new string('x', 5000);
        var terminal = Terminal.Plain(output, TextWriter.Null, TextReader.Null);
        var session = new ChatSession(TestAssistant.For(new FakeAnswerPipeline()), Runtime, terminal, new PlainLineReader(new StringReader(question + "\n/exit\n"), output));

        await session.RunAsync(TestContext.Current.CancellationToken);

        var text = output.ToString();
        Assert.Contains("> Which papers study speculative decoding? xxx", text, StringComparison.Ordinal);
        Assert.Contains($"… ({question.Length.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} characters)", text, StringComparison.Ordinal);
        Assert.DoesNotContain(new string('x', 1000), text, StringComparison.Ordinal);
        Assert.Matches(@"The question is [\d,]+ characters long", text);
        Assert.DoesNotContain("Could not answer", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_refusal_of_an_over_long_question_words_its_length_as_the_echo_does()
    {
        using var output = new StringWriter();
        var question = "Which papers study speculative decoding? " + new string('x', 10_000 - 41);
        var terminal = Terminal.Plain(output, TextWriter.Null, TextReader.Null);
        var session = new ChatSession(TestAssistant.For(new FakeAnswerPipeline()), Runtime, terminal, new PlainLineReader(new StringReader(question + "\n/exit\n"), output));

        await session.RunAsync(TestContext.Current.CancellationToken);

        var text = output.ToString();
        Assert.Equal(10_000, question.Length);
        Assert.Contains("… (10,000 characters)", text, StringComparison.Ordinal);
        Assert.Contains("The question is 10,000 characters long; the limit is 4,000 (Ask:MaxQuestionChars).", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cache_that_could_not_be_saved_is_said_once_above_a_prompt()
    {
        using var output = new StringWriter();
        var index = new ProgressIndex { Embedding = new EmbeddingProgress(EmbeddingState.Running, 120, 312, 35.2, TimeSpan.FromSeconds(5.5), null) };
        var reader = new QueueLineReader("first question", "second question", "third question", "/exit");
        reader.BeforeRead = n =>
        {
            if (n == 1)
            {
                index.Embedding = new EmbeddingProgress(EmbeddingState.Ready, 312, 312, 35.2, TimeSpan.Zero, null) { CacheWarning = "/ro/.cache/embeddings-1.bin: embedding cache cannot be saved (read-only file system)" };
            }
        };
        var session = new ChatSession(TestAssistant.For(new FakeAnswerPipeline()), Runtime, Terminal.Plain(output, TextWriter.Null, TextReader.Null), reader, index);

        await session.RunAsync(TestContext.Current.CancellationToken);

        Assert.Equal(1, CountOf(output.ToString(), "warning: /ro/.cache/embeddings-1.bin: embedding cache cannot be saved (read-only file system)"));
    }

    [Fact]
    public async Task A_second_ctrl_c_at_an_empty_prompt_exits()
    {
        var pipeline = new FakeAnswerPipeline();
        var reader = new QueueLineReader(new LineInput(LineInputKind.Interrupt, string.Empty), new LineInput(LineInputKind.Interrupt, string.Empty));
        using var output = new StringWriter();
        var session = new ChatSession(TestAssistant.For(pipeline), Runtime, Terminal.Plain(output, TextWriter.Null, TextReader.Null), reader);

        Assert.Equal(0, await session.RunAsync(TestContext.Current.CancellationToken));
        Assert.Contains("Ctrl+C again", output.ToString(), StringComparison.Ordinal);
        Assert.Equal(0, reader.Remaining);
    }

    [Fact]
    public async Task A_ctrl_c_signalled_as_the_prompt_appears_and_one_read_as_a_key_leave_together()
    {
        // The terminal delivers a Ctrl+C pressed the moment the prompt appears as SIGINT (the prompt's key read has not
        // begun), the next as a key: one count, so the second leaves.
        var pipeline = new FakeAnswerPipeline();
        var reader = new QueueLineReader(new LineInput(LineInputKind.Interrupt, string.Empty), new LineInput(LineInputKind.Line, "never read"));
        using var output = new StringWriter();
        var session = new ChatSession(TestAssistant.For(pipeline), Runtime, Terminal.Plain(output, TextWriter.Null, TextReader.Null), reader);
        reader.BeforeRead = n =>
        {
            if (n == 0)
            {
                Assert.Equal(ChatInterrupt.Warned, session.Interrupt());
            }
        };

        Assert.Equal(0, await session.RunAsync(TestContext.Current.CancellationToken));
        Assert.Equal(1, reader.Remaining);
        Assert.Empty(pipeline.Requests);
    }

    [Fact]
    public async Task A_ctrl_c_read_as_a_key_then_one_signalled_before_the_next_prompt_leaves()
    {
        var pipeline = new FakeAnswerPipeline();
        var reader = new QueueLineReader(new LineInput(LineInputKind.Interrupt, string.Empty), new LineInput(LineInputKind.Line, "asked"));
        using var output = new StringWriter();
        var session = new ChatSession(TestAssistant.For(pipeline), Runtime, Terminal.Plain(output, TextWriter.Null, TextReader.Null), reader);
        var signalled = ChatInterrupt.AnswerCancelled;
        reader.BeforeRead = n =>
        {
            if (n == 1)
            {
                signalled = session.Interrupt();
            }
        };

        await session.RunAsync(TestContext.Current.CancellationToken);

        Assert.Equal(ChatInterrupt.Leave, signalled);
    }

    [Fact]
    public async Task A_line_between_two_ctrl_c_starts_the_count_again()
    {
        var pipeline = new FakeAnswerPipeline();
        var reader = new QueueLineReader(new LineInput(LineInputKind.Interrupt, string.Empty), new LineInput(LineInputKind.Line, "a question"), new LineInput(LineInputKind.Line, "/exit"));
        using var output = new StringWriter();
        var session = new ChatSession(TestAssistant.For(pipeline), Runtime, Terminal.Plain(output, TextWriter.Null, TextReader.Null), reader);
        var signalled = ChatInterrupt.AnswerCancelled;
        reader.BeforeRead = n =>
        {
            if (n == 2)
            {
                signalled = session.Interrupt();
            }
        };

        await session.RunAsync(TestContext.Current.CancellationToken);

        Assert.Equal(ChatInterrupt.Warned, signalled);
        Assert.Single(pipeline.Requests);
    }

    [Fact]
    public async Task Ctrl_c_on_a_half_typed_line_clears_it_and_a_second_at_the_now_empty_prompt_leaves()
    {
        // As the hint says: the first Ctrl+C clears the line, and the prompt after it is empty.
        var pipeline = new FakeAnswerPipeline();
        var reader = new QueueLineReader(
            new LineInput(LineInputKind.Interrupt, "half typed"),
            new LineInput(LineInputKind.Interrupt, string.Empty),
            new LineInput(LineInputKind.Line, "never read"));
        using var output = new StringWriter();
        var session = new ChatSession(TestAssistant.For(pipeline), Runtime, Terminal.Plain(output, TextWriter.Null, TextReader.Null), reader);

        Assert.Equal(0, await session.RunAsync(TestContext.Current.CancellationToken));
        Assert.Equal(1, reader.Remaining);
        Assert.Equal(1, CountOf(output.ToString(), "(Ctrl+C again at an empty prompt, or /exit, to leave)"));
        Assert.Empty(pipeline.Requests);
    }

    [Fact]
    public async Task A_ctrl_c_that_clears_a_line_does_not_leave_and_a_question_after_it_starts_the_count_again()
    {
        var pipeline = new FakeAnswerPipeline();
        var reader = new QueueLineReader(
            new LineInput(LineInputKind.Interrupt, "half typed"),
            new LineInput(LineInputKind.Line, "a question"),
            new LineInput(LineInputKind.Interrupt, string.Empty),
            new LineInput(LineInputKind.Line, "/exit"),
            new LineInput(LineInputKind.Line, "never read"));
        var session = new ChatSession(TestAssistant.For(pipeline), Runtime, Terminal.Plain(TextWriter.Null, TextWriter.Null, TextReader.Null), reader);

        Assert.Equal(0, await session.RunAsync(TestContext.Current.CancellationToken));
        Assert.Equal(1, reader.Remaining);
        Assert.Single(pipeline.Requests);
    }

    [Fact]
    public async Task Retrieval_only_answers_are_labelled_as_extracted()
    {
        var cli = new CliHarness { HasChatModel = false };
        cli.Pipeline.Mode = Core.Answering.AnswerMode.RetrievalOnly;

        var exitCode = await cli.RunAsync("question\n", "--retrieval-only");

        Assert.Equal(0, exitCode);
        Assert.Contains("Retrieval-only mode: answers are sentences extracted from the papers, not generated.", cli.Output, StringComparison.Ordinal);
        Assert.Contains("retrieval-only: extracted, not generated | retrieval 3 ms", cli.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1, "1 thread")]
    [InlineData(4, "4 threads")]
    public void The_banner_counts_threads_in_the_right_number(int threads, string expected)
    {
        using var output = new StringWriter();
        var session = new ChatSession(TestAssistant.For(new FakeAnswerPipeline()), Runtime with { Threads = threads }, Terminal.Plain(output, TextWriter.Null, TextReader.Null), new QueueLineReader("/exit"));

        session.WriteBanner(paperCount: 3);

        Assert.Contains(output.ToString().Split('\n'), line => line.TrimEnd() == $"  backend:   cpu, context 2048 tokens, {expected}");
    }

    [Fact]
    public async Task A_not_covered_answer_says_no_model_was_called_and_offers_no_sources()
    {
        var cli = new CliHarness();
        cli.Pipeline.Mode = Core.Answering.AnswerMode.NotCovered;
        cli.Pipeline.Refused = true;
        cli.Pipeline.Pieces = [Core.Answering.AnswerPipeline.NotCoveredMessage];

        Assert.Equal(0, await cli.RunAsync("What is the capital of Peru?\n"));

        Assert.Contains("not covered: no paper relevant enough, no model call | retrieval 3 ms", cli.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Sources offered", cli.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("| generated", cli.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Chat_is_answered_as_chat_not_as_a_question_the_corpus_does_not_cover()
    {
        var cli = new CliHarness();
        cli.Pipeline.Mode = Core.Answering.AnswerMode.NotCovered;
        cli.Pipeline.Refused = true;
        cli.Pipeline.Pieces = [Core.Answering.AnswerPipeline.ChatReply];

        Assert.Equal(0, await cli.RunAsync("thanks!\n"));

        Assert.Contains(Core.Answering.AnswerPipeline.ChatReply, cli.Output, StringComparison.Ordinal);
        Assert.Contains("chat: nothing to search, no model call | total", cli.Output, StringComparison.Ordinal); // no retrieval time: nothing was searched
        Assert.DoesNotContain("not covered", cli.Output, StringComparison.Ordinal);
    }

    private static int CountOf(string text, string value) => (text.Length - text.Replace(value, string.Empty, StringComparison.Ordinal).Length) / value.Length;

    [Theory]
    [InlineData(0, 312, true)]
    [InlineData(160, 312, true)]
    [InlineData(312, 312, false)]
    public void A_command_that_ends_before_the_semantic_index_is_finished_says_so_and_how_to_finish_it(int done, int total, bool noted)
    {
        using var error = new StringWriter();
        var terminal = Terminal.Plain(TextWriter.Null, error, TextReader.Null);
        var index = new ProgressIndex { Embedding = new EmbeddingProgress(EmbeddingState.Running, done, total, null, null, null) };

        Assert.Equal(noted, EmbeddingProgressView.WriteUnfinishedOnExit(terminal, index));

        if (noted)
        {
            Assert.Contains(done == 0 ? $"note: the semantic index is not built yet (0/{total} passages embedded). It is built at the next start;" : $"note: the semantic index is not finished ({done}/{total} passages embedded; what is embedded is kept)", error.ToString(), StringComparison.Ordinal);
            Assert.Equal(done > 0, error.ToString().Contains("is kept", StringComparison.Ordinal));
            Assert.Contains("-- index` builds it in full", error.ToString(), StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal(string.Empty, error.ToString());
        }
    }

    [Theory]
    [InlineData(1200, EmbeddingState.Running, "source sentences 1,200/2,674 embedded, then the second dense retriever's passages and token vectors; what is embedded is kept")]
    [InlineData(1200, EmbeddingState.None, "source sentences 1,200/2,674 embedded; what is embedded is kept")]
    [InlineData(1200, EmbeddingState.Queued, "source sentences 1,200/2,674 embedded, then the second dense retriever's passages and token vectors; what is embedded is kept")]
    [InlineData(2674, EmbeddingState.Running, "the second dense retriever's passages and token vectors are being embedded; what is embedded is kept")]
    public void A_command_that_ends_while_the_sentences_or_the_second_dense_retriever_are_embedded_says_so(int sentencesDone, EmbeddingState secondDense, string expected)
    {
        using var error = new StringWriter();
        var index = new ProgressIndex { Embedding = new EmbeddingProgress(EmbeddingState.Ready, 312, 312, null, null, null) { SentencesDone = sentencesDone, SentencesTotal = 2674, SecondDense = secondDense } };

        Assert.True(EmbeddingProgressView.WriteUnfinishedOnExit(Terminal.Plain(TextWriter.Null, error, TextReader.Null), index));

        Assert.Contains($"not finished ({expected})", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_exit_note_says_what_is_embedded_is_lost_when_the_cache_cannot_be_written()
    {
        using var error = new StringWriter();
        const string Warning = "/tmp/afile: embedding cache folder is a file, not a folder; vectors are kept in memory only, lost at exit, and the next start embeds every passage again. Set Corpus:CacheFolder to a writable folder";
        var index = new ProgressIndex { Embedding = new EmbeddingProgress(EmbeddingState.Running, 0, 312, null, null, null) { CacheWarning = Warning } };

        Assert.True(EmbeddingProgressView.WriteUnfinishedOnExit(Terminal.Plain(TextWriter.Null, error, TextReader.Null), index));

        var text = error.ToString();
        Assert.Contains("not finished (0/312 passages embedded); what is embedded is lost at exit, because the embedding cache cannot be written", text, StringComparison.Ordinal);
        Assert.Contains("(the warning above says why)", text, StringComparison.Ordinal);
        Assert.DoesNotContain(Warning, text, StringComparison.Ordinal); // said once, when the build started
        Assert.DoesNotContain("is kept", text, StringComparison.Ordinal);
        Assert.DoesNotContain("goes on at the next start", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(EmbeddingState.Ready)]
    [InlineData(EmbeddingState.Failed)]
    [InlineData(EmbeddingState.None)]
    public void A_finished_failed_or_absent_semantic_index_gets_no_exit_note(EmbeddingState state)
    {
        using var error = new StringWriter();
        var index = new ProgressIndex { Embedding = new EmbeddingProgress(state, 3, 312, null, null, null) };

        Assert.False(EmbeddingProgressView.WriteUnfinishedOnExit(Terminal.Plain(TextWriter.Null, error, TextReader.Null), index));
        Assert.False(EmbeddingProgressView.WriteUnfinishedOnExit(Terminal.Plain(TextWriter.Null, error, TextReader.Null), null));
        Assert.Equal(string.Empty, error.ToString());
    }

    [Fact]
    public void The_sentence_progress_says_the_time_left_while_sentences_run_and_not_once_they_are_done()
    {
        var running = new EmbeddingProgress(EmbeddingState.Ready, 312, 312, null, null, null) { SentencesDone = 1200, SentencesTotal = 2674, SentencesEta = TimeSpan.FromSeconds(20) };

        Assert.Equal("source sentences 1,200/2,674 embedded, about 20 s left", EmbeddingProgressView.DescribeSentences(running));
        Assert.Equal("source sentences 2,674/2,674 embedded", EmbeddingProgressView.DescribeSentences(running with { SentencesDone = 2674 }));
        Assert.Equal("source sentences 1,200/2,674 embedded", EmbeddingProgressView.DescribeSentences(running with { SentencesEta = null }));
    }

    [Fact]
    public void Index_writes_a_count_one_way_in_its_progress_lines_and_its_summary()
    {
        // A trial's `index` wrote "2674" in a progress line and "2,674" in the summary under it.
        var passages = new EmbeddingProgress(EmbeddingState.Running, 1200, 2674, null, null, null);
        var secondDense = new EmbeddingProgress(EmbeddingState.Ready, 2674, 2674, null, null, null) { SecondDense = EmbeddingState.Running, SecondDenseDone = 1200, SecondDenseTotal = 2674 };
        var done = new EmbeddingProgress(EmbeddingState.Ready, 2674, 2674, null, null, null) { SentencesDone = 9120, SentencesTotal = 9120 };
        var report = new IndexReport(1312, 2674, 1674, 1000, [], true, TimeSpan.FromSeconds(3));

        Assert.Equal("1,200/2,674 passages", EmbeddingProgressView.Describe(passages));
        Assert.StartsWith("the second dense retriever's passages, 1,200/2,674 passages (", EmbeddingProgressView.DescribeSecondDense(secondDense), StringComparison.Ordinal);
        Assert.Equal(
            "Indexed 1,312 papers in 2,674 passages (1,674 embedded, 1,000 from cache); 9,120 of 9,120 source sentences have their vectors; 95.3 s in all.",
            StartupView.Summary(report, done, TimeSpan.FromSeconds(95.3)));
        Assert.Equal("Indexed 1 paper in 1 passage (0 embedded, 0 from cache); 0.2 s in all.", StartupView.Summary(report with { Papers = 1, Passages = 1, Embedded = 0, FromCache = 0 }, EmbeddingProgress.None, TimeSpan.FromSeconds(0.2)));
    }

    [Fact]
    public async Task Waiting_for_the_second_dense_retriever_says_so_instead_of_falling_silent()
    {
        // A trial's redirected `index` sat a minute on the sentences' last line while the second retriever's passages ran.
        var output = await RedirectedSecondDenseLineAsync(new EmbeddingProgress(EmbeddingState.Ready, 312, 312, null, TimeSpan.Zero, null) { SentencesDone = 2674, SentencesTotal = 2674, SecondDense = EmbeddingState.Running });

        Assert.Contains("Embedding the second dense retriever's passages", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_redirected_line_of_the_token_vectors_says_how_many_are_done()
    {
        // A trial's redirected `index` printed one count-less line every 15 s, the same each time, through the token phase.
        var output = await RedirectedSecondDenseLineAsync(new EmbeddingProgress(EmbeddingState.Ready, 312, 312, null, TimeSpan.Zero, null) { SentencesDone = 2674, SentencesTotal = 2674, SecondDense = EmbeddingState.Running, SecondDenseDone = 120, SecondDenseTotal = 312, SecondDenseTokens = true });

        Assert.Contains("Embedding the second dense retriever's token vectors, 120/312 passages", output, StringComparison.Ordinal);
    }

    [Fact]
    public void The_second_dense_retriever_is_described_by_its_phase_and_count_once_it_has_one()
    {
        var queued = new EmbeddingProgress(EmbeddingState.Ready, 312, 312, null, null, null) { SecondDense = EmbeddingState.Queued };
        var passages = queued with { SecondDense = EmbeddingState.Running, SecondDenseDone = 40, SecondDenseTotal = 312 };

        Assert.StartsWith("the second dense retriever's passages and token vectors (", EmbeddingProgressView.DescribeSecondDense(queued), StringComparison.Ordinal);
        Assert.StartsWith("the second dense retriever's passages, 40/312 passages (", EmbeddingProgressView.DescribeSecondDense(passages), StringComparison.Ordinal);
        Assert.StartsWith("the second dense retriever's token vectors, 0/312 passages (", EmbeddingProgressView.DescribeSecondDense(passages with { SecondDenseDone = 0, SecondDenseTokens = true }), StringComparison.Ordinal);
    }

    // What a redirected wait for the vectors writes once the second dense retriever's line is out (at most 10 s).
    private static async Task<string> RedirectedSecondDenseLineAsync(EmbeddingProgress progress)
    {
        using var output = new StringWriter();
        var index = new ProgressIndex { Embedding = progress, Vectors = new TaskCompletionSource<IndexReport>() };
        var waiting = EmbeddingProgressView.WaitAsync(index, Terminal.Plain(output, TextWriter.Null, TextReader.Null), TestContext.Current.CancellationToken);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!output.ToString().Contains("second dense retriever", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        index.Vectors.SetResult(new IndexReport(312, 312, 312, 0, [], true, TimeSpan.Zero));
        await waiting.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        return output.ToString();
    }

    /// <summary>Only <see cref="ICorpusIndex.Embedding"/> matters to the chat session.</summary>
    private sealed class ProgressIndex : ICorpusIndex
    {
        public bool IsReady => true;

        public EmbeddingProgress Embedding { get; set; } = EmbeddingProgress.None;

        public Task<IndexReport> BuildAsync(IProgress<IndexProgress>? progress = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public TaskCompletionSource<IndexReport>? Vectors { get; init; }

        public Task<IndexReport> WaitForVectorsAsync(CancellationToken cancellationToken = default) => Vectors?.Task ?? throw new NotSupportedException();
    }
}
