using RagAssistant.LlamaCpp.Tests.TestSupport;
using RagAssistant.Testing.Conventions;

namespace RagAssistant.LlamaCpp.Tests;

/// <summary>Tests that reach the loaded stories260K model carry the end-to-end trait, so the fast command leaves them out.</summary>
public sealed class EndToEndTraitTests
{
    [Fact]
    public void Tests_that_reach_the_loaded_stories260K_model_carry_the_end_to_end_trait() =>
        EndToEndTrait.AssertMarked(typeof(EndToEndTraitTests).Assembly, typeof(StoriesModelFixture));
}
