using RagAssistant.Core.Answering;

namespace RagAssistant.Core.Tests.Answering;

/// <summary>An answer taken whole that the model server cut off keeps the text it had sent, as a streamed one shows it.</summary>
public sealed class WholeAnswerTests
{
    private const string CutOff = "the model server at http://127.0.0.1:1/v1 (ChatModel:Endpoint) closed the connection before the answer ended; the answer is incomplete.";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_server_failure_after_some_text_carries_that_text_with_the_same_line()
    {
        var error = await Assert.ThrowsAsync<ModelServerException>(() => AnswerCompletedUpdate.ResultOfAsync(Failing("Speculative decoding ", "drafts tokens"), Ct));

        Assert.Equal(CutOff, error.Message);
        Assert.Equal("Speculative decoding drafts tokens", error.PartialAnswer);
    }

    [Fact]
    public async Task A_server_failure_before_any_text_has_no_partial_answer()
    {
        var error = await Assert.ThrowsAsync<ModelServerException>(() => AnswerCompletedUpdate.ResultOfAsync(Failing(), Ct));

        Assert.Equal(CutOff, error.Message);
        Assert.Null(error.PartialAnswer);
    }

    private static async IAsyncEnumerable<AnswerUpdate> Failing(params string[] pieces)
    {
        yield return new SourcesRetrievedUpdate("q", []);
        foreach (var piece in pieces)
        {
            await Task.Yield();
            yield return new AnswerTextUpdate(piece);
        }

        throw new ModelServerException(CutOff);
    }
}
