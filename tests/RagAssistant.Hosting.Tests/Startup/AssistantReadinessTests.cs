using RagAssistant.Core.Retrieval;
using RagAssistant.Hosting.Startup;

namespace RagAssistant.Hosting.Tests.Startup;

public sealed class AssistantReadinessTests
{
    private static readonly IndexReport Report = new(1, 1, 0, 0, [], DenseAvailable: false, TimeSpan.Zero);

    [Fact]
    public void Before_anything_ran_the_models_are_the_reason()
    {
        var readiness = new AssistantReadiness();

        Assert.Equal(new NotReadyReason(NotReadyCause.ModelsLoading), readiness.NotReady());
        Assert.Equal(new NotReadyReason(NotReadyCause.IndexBuilding), readiness.NotSearchable());
    }

    [Fact]
    public void A_model_failure_outlasts_a_built_index_but_search_goes_on()
    {
        var readiness = new AssistantReadiness();
        readiness.ModelsPublished(Runtime(), ChatModelState.Failed, offer: null, error: "bad.gguf is truncated.");
        readiness.BuildSucceeded(Report, DateTimeOffset.UnixEpoch);

        var reason = readiness.NotReady();

        Assert.Equal(new NotReadyReason(NotReadyCause.ModelsFailed, "bad.gguf is truncated."), reason);
        Assert.True(reason!.IsFailure);
        Assert.Null(readiness.NotSearchable());
    }

    [Fact]
    public void A_failed_first_build_is_a_failure_and_a_failed_refresh_is_not_a_reason()
    {
        var readiness = new AssistantReadiness();
        readiness.ModelsPublished(Runtime(), ChatModelState.Off, offer: null, error: null);
        readiness.BuildStarted();
        Assert.Equal(new NotReadyReason(NotReadyCause.IndexBuilding), readiness.NotReady());

        readiness.BuildFailed("The corpus folder data/papers does not exist.");
        Assert.Equal(new NotReadyReason(NotReadyCause.IndexFailed, "The corpus folder data/papers does not exist."), readiness.NotReady());
        Assert.True(readiness.NotReady()!.IsFailure);

        readiness.BuildSucceeded(Report, DateTimeOffset.UnixEpoch);
        readiness.BuildStarted();
        readiness.BuildFailed("a file vanished");
        Assert.Null(readiness.NotReady());
        Assert.True(readiness.IsReady);
    }

    private static AssistantRuntimeInfo Runtime() =>
        new(null, null, null, "none", 0, 0, "data/papers", RetrievalOnly: true, [], null);
}
