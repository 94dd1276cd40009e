using System.Runtime.CompilerServices;
using RagAssistant.Core.Answering;
using RagAssistant.Hosting.Contract;

namespace RagAssistant.Hosting.Tests.Contract;

public sealed class AnswerStreamProjectionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly AnswerSource Source = new(1, "paper-a", "A Paper", null, "a.txt", 0.9, "text");

    private static readonly AnswerResult Result = new(
        "q", "q", "Hi [1].", [new AnswerCitation(1, "paper-a", "A Paper")], [Source], [], false, AnswerMode.Generated, new AnswerUsage(1, 2), new AnswerTimings(1, 2, 3, 6));

    [Fact]
    public async Task Each_update_is_mapped_in_order_between_start_and_end()
    {
        var updates = Stream(new SourcesRetrievedUpdate("q", [Source]), new AnswerTextUpdate("Hi "), new AnswerTextUpdate("[1]."), new AnswerCompletedUpdate(Result));

        var items = await ToListAsync(new Recorder().ProjectAsync(updates, Ct));

        Assert.Equal(["start", "sources 1", "text Hi ", "text [1].", "completed Hi [1].", "end"], items);
    }

    [Fact]
    public async Task Steps_a_front_end_does_not_override_emit_nothing()
    {
        var updates = Stream(new SourcesRetrievedUpdate("q", [Source]), new AnswerTextUpdate("Hi"), new AnswerCompletedUpdate(Result));

        var items = await ToListAsync(new TextOnly().ProjectAsync(updates, Ct));

        Assert.Equal(["Hi"], items);
    }

    [Fact]
    public async Task A_failed_answer_reaches_the_caller_and_does_not_end_the_projection()
    {
        var items = new List<string>();
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await foreach (var item in new Recorder().ProjectAsync(Failing(Ct), Ct))
            {
                items.Add(item);
            }
        });

        Assert.Equal("model failed", failure.Message);
        Assert.Equal(["start", "text Hi"], items);
    }

    private static async IAsyncEnumerable<AnswerUpdate> Stream(params AnswerUpdate[] updates)
    {
        foreach (var update in updates)
        {
            await Task.Yield();
            yield return update;
        }
    }

    private static async IAsyncEnumerable<AnswerUpdate> Failing([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        yield return new AnswerTextUpdate("Hi");
        throw new InvalidOperationException("model failed");
    }

    private static async Task<List<string>> ToListAsync(IAsyncEnumerable<string> items)
    {
        var list = new List<string>();
        await foreach (var item in items)
        {
            list.Add(item);
        }

        return list;
    }

    private sealed class Recorder : AnswerStreamProjection<string>
    {
        protected override IEnumerable<string> OnStarted() => ["start"];

        protected override IEnumerable<string> OnSourcesRetrieved(SourcesRetrievedUpdate update) => [$"sources {update.Sources.Count}"];

        protected override IEnumerable<string> OnText(string text) => [$"text {text}"];

        protected override IEnumerable<string> OnCompleted(AnswerResult result) => [$"completed {result.Answer}"];

        protected override IEnumerable<string> OnEnded() => ["end"];
    }

    private sealed class TextOnly : AnswerStreamProjection<string>
    {
        protected override IEnumerable<string> OnText(string text) => [text];
    }
}
