namespace RagAssistant.Core.Ingestion;

/// <summary>A problem found while reading the corpus: the item was skipped (or, for a file in an undeclared encoding, read by the fallback rule; for a document of more passages than <see cref="CorpusOptions.LargeDocumentPassages"/>, indexed whole and named), the rest was kept.</summary>
/// <param name="File">File name relative to the corpus folder.</param>
/// <param name="Line">1-based line, or null when the problem concerns the whole file.</param>
/// <param name="Message">What was wrong and what was done about it.</param>
public sealed record CorpusWarning(string File, int? Line, string Message)
{
    /// <inheritdoc/>
    public override string ToString() => Line is { } line ? $"{File}:{line}: {Message}" : $"{File}: {Message}";
}
