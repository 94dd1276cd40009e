using RagAssistant.LlamaCpp.Chat;
using RagAssistant.Testing.Conventions;
using RagAssistant.Testing.Databases;

namespace RagAssistant.Hosting.Tests;

/// <summary>Tests that reach a PostgreSQL cluster or load a real chat model carry the end-to-end trait, so the fast command leaves them out.</summary>
public sealed class EndToEndTraitTests
{
    [Fact]
    public void Tests_that_reach_a_PostgreSQL_cluster_or_a_real_chat_model_carry_the_end_to_end_trait() =>
        EndToEndTrait.AssertMarked(typeof(EndToEndTraitTests).Assembly, typeof(PostgresCluster), typeof(LlamaChatClient));
}
