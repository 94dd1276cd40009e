using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.SemanticKernel;
using RagAssistant.Core;
using RagAssistant.Core.Answering;
using RagAssistant.Hosting.Application;
using RagAssistant.Testing.Chat;
using RagAssistant.Testing.Retrieval;

namespace RagAssistant.Hosting.Tests.Application;

public sealed class ChatModelRuntimeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly FakeRetriever Retriever = new([FakeRetriever.Hit("Densing Law of LLMs", "Capacity density doubles roughly every three months.", 0.9)]);

    [Fact]
    public void Nothing_is_composed_until_the_first_question()
    {
        var composed = 0;
        var runtime = new ChatModelRuntime(() => { composed++; return new FakeAnswerPipeline(); }, () => null, () => throw new InvalidOperationException("not used"));

        Assert.Equal(0, composed);
        _ = runtime.Pipeline;
        _ = runtime.Pipeline;
        Assert.Equal(1, composed);
    }

    [Fact]
    public async Task A_chat_model_switched_to_answers_the_next_question_with_the_same_retriever()
    {
        var factory = Factory();
        var runtime = new ChatModelRuntime(() => factory.Create(null, null), () => null, () => factory);

        var before = await runtime.AnswerAsync(new AnswerRequest("How fast does capacity density grow?"), Ct);
        var chat = new ScriptedChatClient(["Density doubles every three months [1]."]);
        runtime.SwitchTo(chat, new ApproximateTokenizer(2048));
        var after = await runtime.AnswerAsync(new AnswerRequest("How fast does capacity density grow?"), Ct);

        Assert.Equal(AnswerMode.RetrievalOnly, before.Mode);
        Assert.Equal(AnswerMode.Generated, after.Mode);
        Assert.Equal("Density doubles every three months [1].", after.Answer);
        Assert.Same(chat, runtime.ChatClient);
        Assert.Equal("Densing Law of LLMs", Assert.Single(after.Citations).Title);
    }

    [Fact]
    public async Task An_answer_already_running_finishes_on_the_pipeline_it_started_on()
    {
        var first = new FakeAnswerPipeline { Pieces = ["old ", "pipeline"], HoldAfterFirstToken = new TaskCompletionSource() };
        var factory = Factory();
        var runtime = new ChatModelRuntime(() => first, () => null, () => factory);

        var running = new List<string>();
        var stream = Task.Run(async () =>
        {
            await foreach (var update in runtime.AnswerStreamingAsync(new AnswerRequest("question"), Ct))
            {
                if (update is AnswerTextUpdate text)
                {
                    running.Add(text.Text);
                }
            }
        }, Ct);
        await first.FirstTokenSent.WaitAsync(Ct);
        runtime.SwitchTo(new ScriptedChatClient(["new"]), new ApproximateTokenizer(2048));
        first.HoldAfterFirstToken.SetResult();
        await stream;

        Assert.Equal(["old ", "pipeline"], running);
        Assert.IsType<AnswerPipeline>(runtime.Pipeline);
    }

    private static AnswerPipelineFactory Factory() => new(
        Retriever,
        AnswerPromptTemplates.Load(AnswerPromptTemplates.ResolveFolder(new AnsweringOptions().PromptsFolder)),
        Options.Create(new AnsweringOptions()),
        Options.Create(new AssistantOptions()),
        NullLogger<AnswerPipeline>.Instance,
        Array.Empty<IFunctionInvocationFilter>());
}
