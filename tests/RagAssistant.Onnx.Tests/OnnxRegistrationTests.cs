using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using RagAssistant.Onnx.Embeddings;

namespace RagAssistant.Onnx.Tests;

public sealed class OnnxRegistrationTests
{
    [Theory]
    [InlineData("MaxBatchTexts", "0")]
    [InlineData("Threads", "-1")]
    public void Out_of_range_options_fail_validation_with_the_setting_named(string key, string value)
    {
        using var provider = Build(new() { [key] = value });

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<ArcticEmbeddingGeneratorOptions>>().Value);

        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Default_options_are_valid() =>
        Assert.Equal(16, Build([]).GetRequiredService<IOptions<ArcticEmbeddingGeneratorOptions>>().Value.MaxBatchTexts);

    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var section = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection().AddArcticEmbeddingGenerator(section).BuildServiceProvider();
    }
}
