using RagAssistant.Console.Tests.EndToEnd;
using RagAssistant.Testing.Conventions;

namespace RagAssistant.Console.Tests;

/// <summary>Tests that reach a console process carry the end-to-end trait, so the fast command leaves them out.</summary>
public sealed class EndToEndTraitTests
{
    [Fact]
    public void Tests_that_reach_a_console_process_carry_the_end_to_end_trait() =>
        EndToEndTrait.AssertMarked(typeof(EndToEndTraitTests).Assembly, typeof(ConsoleProcess));
}
