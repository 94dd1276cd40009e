namespace RagAssistant.LlamaCpp.Gguf;

/// <summary>
/// Raised inside <see cref="GgufReader"/> with what is wrong; <see cref="GgufReader"/> turns it into a
/// <see cref="ModelFileException"/> that also names the file and the fix.
/// </summary>
internal sealed class GgufFormatException(ModelFileProblem problem, string detail) : Exception(detail)
{
    public ModelFileProblem Problem { get; } = problem;
}
