using Microsoft.Extensions.Options;

namespace RagAssistant.LlamaCpp;

/// <summary>Validates <see cref="LlamaRuntimeOptions"/> at start: its data annotations (generated).</summary>
[OptionsValidator]
internal sealed partial class LlamaRuntimeOptionsValidator : IValidateOptions<LlamaRuntimeOptions>;
