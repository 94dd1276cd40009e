namespace RagAssistant.LlamaCpp.Gguf;

/// <summary>Builds the user-facing <see cref="ModelFileException"/> messages: the file, what is wrong, what to do.</summary>
internal static class ModelFileErrors
{
    public static ModelFileException Create(string fullPath, ModelFileProblem problem, string detail, ModelFileRole role, Exception? inner = null)
    {
        var (download, option, setting) = role == ModelFileRole.Embedding
            ? ("embedding", "--embedding-model", "EmbeddingModel:ModelPath")
            : ("chat", "--model", "ChatModel:ModelPath");
        string getModel = $"download the default one with 'dotnet run --project src/RagAssistant.Console -- models download {download}' from the repository root (see the README), or point {option} / {setting} at another .gguf file";
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

        return new ModelFileException(fullPath, problem, $"Model file '{fullPath}' {Phrase(problem, detail)}. Fix: {fix}.", inner);
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
