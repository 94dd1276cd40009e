using Microsoft.Extensions.Options;

namespace RagAssistant.Hosting.OpenAICompatible;

/// <summary>Validates <see cref="OpenAICompatibleModelOptions"/> (each name: chat, embedding) at start: its data annotations (generated).</summary>
[OptionsValidator]
internal sealed partial class OpenAICompatibleModelOptionsValidator : IValidateOptions<OpenAICompatibleModelOptions>;
