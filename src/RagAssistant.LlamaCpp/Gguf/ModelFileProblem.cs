namespace RagAssistant.LlamaCpp.Gguf;

/// <summary>What is wrong with a model file, for callers that react differently per case (the message always says it too).</summary>
public enum ModelFileProblem
{
    /// <summary>No file at that path (or it is a directory).</summary>
    Missing,

    /// <summary>The file exists but could not be opened or read.</summary>
    Unreadable,

    /// <summary>The file has zero bytes.</summary>
    Empty,

    /// <summary>The file is not GGUF at all (text, HTML page, zip, legacy GGML, random bytes...).</summary>
    NotGguf,

    /// <summary>GGUF, but a version this build does not read.</summary>
    UnsupportedVersion,

    /// <summary>The file ends before its header, metadata, tensor table or tensor data does.</summary>
    Truncated,

    /// <summary>The file contradicts itself: impossible counts or lengths, unknown types, overlapping tensors.</summary>
    Corrupt,

    /// <summary>A model architecture the bundled llama.cpp cannot run (or none is declared).</summary>
    UnsupportedArchitecture,

    /// <summary>The file passed validation but llama.cpp still refused to load it (the reason is in llama.cpp's log).</summary>
    NotLoadable,
}
