namespace RagAssistant.LlamaCpp.Gguf;

/// <summary>
/// Builds the user-facing <see cref="ModelFileException"/> messages: the file, what is wrong, what to do. How to
/// download the default model again is the front end's to say (<see cref="ModelFileException.WithDownloadAdvice"/>):
/// the adapter does not know how the program was started, so its own wording names no command.
/// </summary>
internal static class ModelFileErrors
{
    public static ModelFileException Create(string fullPath, ModelFileProblem problem, string detail, ModelFileRole role, Exception? inner = null) =>
        new(fullPath, problem, Message(fullPath, problem, detail, role, downloadAdvice: null), inner) { Role = role, Detail = detail };

    /// <summary>The message; <paramref name="downloadAdvice"/> is the clause that fetches the default model ("download the default one with `...`"), null for the adapter's own.</summary>
    public static string Message(string fullPath, ModelFileProblem problem, string detail, ModelFileRole role, string? downloadAdvice)
    {
        var (option, setting) = role == ModelFileRole.Embedding
            ? ("--embedding-model", "EmbeddingModel:ModelPath")
            : ("--model", "ChatModel:ModelPath");
        var download = downloadAdvice ?? $"download the default {(role == ModelFileRole.Embedding ? "embedding" : "chat")} model again (see the README)";
        string getModel = $"{download}, or point {option} / {setting} at another .gguf file";
        string fix = problem switch
        {
            ModelFileProblem.Missing when detail.StartsWith("is a folder", StringComparison.Ordinal) => $"point {option} at a .gguf file; {getModel}",
            ModelFileProblem.Missing => $"check the {option} path; {getModel}",
            ModelFileProblem.Unreadable => "check the file's permissions and that no other program holds it locked",
            ModelFileProblem.Empty => $"the download probably failed; {getModel}",
            ModelFileProblem.NotGguf => getModel,
            ModelFileProblem.UnsupportedVersion => "download a current GGUF (version 3) of the model, or convert it again with a recent llama.cpp",
            ModelFileProblem.Truncated => "the file is incomplete (an interrupted download or copy?); download it again",
            ModelFileProblem.Corrupt => "the file is damaged; download it again",
            ModelFileProblem.UnsupportedArchitecture =>
                $"use a model of an architecture LLamaSharp 0.30.0's llama.cpp supports (llama, qwen2, qwen3, mistral3, phi3, gemma3, bert, nomic-bert, ...): {getModel}",
            _ => getModel,
        };

        return $"Model file '{fullPath}' {Phrase(problem, detail)}. Fix: {fix}.";
    }

    // Reader details either read as a predicate ("is empty") or as a plain fact ("the file ends inside ...").
    private static string Phrase(ModelFileProblem problem, string detail)
    {
        if (detail.StartsWith("is ", StringComparison.Ordinal) || detail.StartsWith("does ", StringComparison.Ordinal)
            || detail.StartsWith("cannot ", StringComparison.Ordinal) || detail.StartsWith("declares ", StringComparison.Ordinal)
            || detail.StartsWith("has ", StringComparison.Ordinal))
        {
            return detail;
        }

        string what = problem switch
        {
            ModelFileProblem.Truncated => "is truncated",
            ModelFileProblem.Corrupt => "is corrupt",
            _ => "is not a usable GGUF model",
        };
        return $"{what}: {detail}";
    }
}
