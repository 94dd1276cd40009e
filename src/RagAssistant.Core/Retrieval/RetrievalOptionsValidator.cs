using Microsoft.Extensions.Options;
using RagAssistant.Core.Ingestion;

namespace RagAssistant.Core.Retrieval;

/// <summary>Validates <see cref="RetrievalOptions"/> at start: its data annotations, Bm25's, and its own rules (generated).</summary>
[OptionsValidator]
internal sealed partial class RetrievalOptionsValidator : IValidateOptions<RetrievalOptions>;

/// <summary>Validates <see cref="CorpusOptions"/> at start: its data annotations (generated).</summary>
[OptionsValidator]
internal sealed partial class CorpusOptionsValidator : IValidateOptions<CorpusOptions>;
