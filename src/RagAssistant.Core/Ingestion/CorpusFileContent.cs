namespace RagAssistant.Core.Ingestion;

/// <summary>What a corpus file reader produced: papers (before de-duplication) and the problems it skipped.</summary>
internal sealed record CorpusFileContent(IReadOnlyList<CorpusEntry> Entries, IReadOnlyList<CorpusWarning> Warnings);

/// <summary>One paper as read from a file, before de-duplication across files.</summary>
/// <param name="Paper">The paper record.</param>
/// <param name="IsAbstract">True for abstracts (kept as one passage); false for longer documents, split into passages.</param>
internal sealed record CorpusEntry(Paper Paper, bool IsAbstract);
