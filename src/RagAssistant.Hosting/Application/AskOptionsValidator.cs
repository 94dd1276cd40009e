using Microsoft.Extensions.Options;

namespace RagAssistant.Hosting.Application;

/// <summary>Validates <see cref="AskOptions"/> at start: its data annotations (generated).</summary>
[OptionsValidator]
internal sealed partial class AskOptionsValidator : IValidateOptions<AskOptions>;
