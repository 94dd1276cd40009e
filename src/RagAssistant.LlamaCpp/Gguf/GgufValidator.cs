namespace RagAssistant.LlamaCpp.Gguf;

/// <summary>
/// Checks a model file before llama.cpp sees it. llama.cpp reports a bad file only as a NULL model and a log line
/// (and a few malformed files can abort the process), so the binding validates first and gives the user a message
/// that names the file, what is wrong and the fix.
/// </summary>
public static class GgufValidator
{
    /// <summary>
    /// Reads and checks <paramref name="path"/>: it exists, is GGUF v2/v3, its metadata and tensor table are consistent,
    /// every tensor's data lies inside the file, it declares an architecture the bundled llama.cpp supports, and (with
    /// <paramref name="requireTensorData"/>) it holds tensors at all.
    /// </summary>
    /// <param name="path">The model file.</param>
    /// <param name="requireTensorData">
    /// True when the weights will be loaded, so a file that declares no tensors is refused as
    /// <see cref="ModelFileProblem.Truncated"/>; false (the default) also accepts vocabulary-only files such as
    /// llama.cpp's ggml-vocab-*.gguf, which llama.cpp loads with vocab_only.
    /// </param>
    /// <returns>What the header says: version, metadata, tensors, architecture, file type.</returns>
    /// <exception cref="ModelFileException">
    /// The file is missing, unreadable, truncated (tensor data missing, or no tensors at all with
    /// <paramref name="requireTensorData"/>: <see cref="ModelFileProblem.Truncated"/>), not GGUF, or not a supported model; <see cref="ModelFileException.Problem"/> says which.
    /// </exception>
    /// <param name="role">What the file is for: the fix in an error names that model's download and setting.</param>
    public static GgufFileInfo Validate(string path, bool requireTensorData = false, ModelFileRole role = ModelFileRole.Chat)
    {
        GgufFileInfo info = GgufReader.Read(path, role);

        string? architecture = info.Architecture;
        if (architecture is null)
        {
            throw ModelFileErrors.Create(info.Path, ModelFileProblem.UnsupportedArchitecture,
                $"declares no model architecture ('{GgufKeys.Architecture}' is missing or not a string)", role);
        }

        if (architecture == LlamaArchitectures.Clip)
        {
            throw ModelFileErrors.Create(info.Path, ModelFileProblem.UnsupportedArchitecture,
                "is a multimodal projector (mmproj), not a language model; point the model path at the main .gguf file instead", role);
        }

        if (!LlamaArchitectures.IsSupported(architecture))
        {
            throw ModelFileErrors.Create(info.Path, ModelFileProblem.UnsupportedArchitecture,
                $"declares architecture '{architecture}', which the bundled llama.cpp (LLamaSharp 0.30.0) cannot run", role);
        }

        // llama.cpp would refuse it only as "failed to load", which reads like an unsupported tensor type.
        if (requireTensorData && info.Tensors.Count == 0)
        {
            throw ModelFileErrors.Create(info.Path, ModelFileProblem.Truncated,
                $"has no tensor data: it declares no tensors, only the header and {info.Metadata.Count} metadata entries (a weightless or vocabulary-only file, or a copy cut short)", role);
        }

        return info;
    }
}
