using Microsoft.Extensions.Options;

namespace RagAssistant.Core.Answering;

/// <summary>Validates <see cref="AnsweringOptions"/> at start: its data annotations and its own rules (generated).</summary>
[OptionsValidator]
internal sealed partial class AnsweringOptionsValidator : IValidateOptions<AnsweringOptions>;
