using Microsoft.Extensions.Options;

namespace RagAssistant.LlamaCpp.Chat;

/// <summary>Validates <see cref="LlamaChatClientOptions"/> at start: its data annotations (generated).</summary>
[OptionsValidator]
internal sealed partial class LlamaChatClientOptionsValidator : IValidateOptions<LlamaChatClientOptions>;
