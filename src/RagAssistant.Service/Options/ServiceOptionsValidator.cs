using Microsoft.Extensions.Options;

namespace RagAssistant.Service.Options;

/// <summary>
/// Validates <see cref="ServiceOptions"/> at start (generated): its ranges and its own rules, so the service refuses to
/// start rather than serve the corpus to the network without an API key.
/// </summary>
[OptionsValidator]
internal sealed partial class ServiceOptionsValidator : IValidateOptions<ServiceOptions>;
