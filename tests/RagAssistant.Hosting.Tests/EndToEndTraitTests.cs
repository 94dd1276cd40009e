using RagAssistant.Testing.Databases;
using RagAssistant.Testing.Conventions;

namespace RagAssistant.Hosting.Tests;

/// <summary>Tests that reach a PostgreSQL cluster carry the end-to-end trait, so the fast command leaves them out.</summary>
public sealed class EndToEndTraitTests
{
    [Fact]
    public void Tests_that_reach_a_PostgreSQL_cluster_carry_the_end_to_end_trait() =>
        EndToEndTrait.AssertMarked(typeof(EndToEndTraitTests).Assembly, typeof(PostgresCluster));
}
