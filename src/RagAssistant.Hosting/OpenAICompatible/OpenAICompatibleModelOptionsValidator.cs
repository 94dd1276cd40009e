using Microsoft.Extensions.Options;

namespace RagAssistant.Hosting.OpenAICompatible;

/// <summary>Checks <see cref="OpenAICompatibleModelOptions"/> (source-generated from its data annotations).</summary>
[OptionsValidator]
internal sealed partial class OpenAICompatibleModelOptionsValidator : IValidateOptions<OpenAICompatibleModelOptions>;
