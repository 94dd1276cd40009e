using RagAssistant.Core.Ingestion;

namespace RagAssistant.Core.Tests.Ingestion;

public sealed class PaperIdentityTests
{
    [Theory]
    [InlineData("LoRA: Low-Rank Adaptation", "lora low rank adaptation")]
    [InlineData("  Who's Harry Potter?  ", "who s harry potter")]
    [InlineData("Mapping 1,000+ Language Models", "mapping 1 000 language models")]
    public void Normalises_case_and_punctuation(string title, string expected) =>
        Assert.Equal(expected, PaperIdentity.NormalizeTitle(title));

    [Fact]
    public void Ids_are_stable_and_ignore_case_and_punctuation()
    {
        var id = PaperIdentity.CreateId("HFT: Half Fine-Tuning for Large Language Models");

        Assert.Equal(id, PaperIdentity.CreateId("hft half fine tuning for large language models"));
        Assert.NotEqual(id, PaperIdentity.CreateId("HFT: Half Fine-Tuning for Small Language Models"));
        Assert.StartsWith("hft-half-fine-tuning", id, StringComparison.Ordinal);
        Assert.Matches("^[a-z0-9-]+$", id);
    }
}
