using Microsoft.Extensions.Options;

namespace RagAssistant.Hosting.Models;

/// <summary>Validates <see cref="ModelsOptions"/> at start: its data annotations (generated).</summary>
[OptionsValidator]
internal sealed partial class ModelsOptionsValidator : IValidateOptions<ModelsOptions>;
