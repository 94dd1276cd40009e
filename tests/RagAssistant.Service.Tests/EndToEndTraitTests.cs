using RagAssistant.Service.Tests.EndToEnd;
using RagAssistant.Service.Tests.Infrastructure;
using RagAssistant.Testing.Conventions;

namespace RagAssistant.Service.Tests;

/// <summary>Tests that reach a service process, a scripted model server or Chromium carry the end-to-end trait, so the fast command leaves them out.</summary>
public sealed class EndToEndTraitTests
{
    [Fact]
    public void Tests_that_reach_a_service_process_a_scripted_model_server_or_Chromium_carry_the_end_to_end_trait() =>
        EndToEndTrait.AssertMarked(typeof(EndToEndTraitTests).Assembly, typeof(ServiceProcess), typeof(RealServiceProcess), typeof(ScriptedModelServer), typeof(Chromium));
}
