using System.Text.Json.Serialization;

namespace RagAssistant.Core.Evaluation;

/// <summary>Source-generated JSON metadata, so evaluation works in trimmed or AOT-published front ends too.</summary>
[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(EvalQuestion))]
[JsonSerializable(typeof(RetrievalEvalReport))]
internal sealed partial class EvaluationJsonContext : JsonSerializerContext;
