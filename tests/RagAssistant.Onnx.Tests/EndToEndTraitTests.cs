using RagAssistant.Testing.Conventions;

namespace RagAssistant.Onnx.Tests;

/// <summary>Tests that reach the loaded bundled embedder carry the end-to-end trait, so the fast command leaves them out.</summary>
public sealed class EndToEndTraitTests
{
    [Fact]
    public void Tests_that_reach_the_loaded_bundled_embedder_carry_the_end_to_end_trait() =>
        EndToEndTrait.AssertMarked(typeof(EndToEndTraitTests).Assembly, typeof(BundledModel));
}
