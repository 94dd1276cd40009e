namespace RagAssistant.LlamaCpp.Gguf;

/// <summary>
/// A model file that cannot be used. The message names the file, says what is wrong and how to fix it,
/// so it can be shown to the user as is.
/// </summary>
public sealed class ModelFileException : Exception
{
    public ModelFileException()
        : this(string.Empty, ModelFileProblem.Corrupt, "The model file is not usable.")
    {
    }

    public ModelFileException(string message)
        : this(string.Empty, ModelFileProblem.Corrupt, message)
    {
    }

    public ModelFileException(string message, Exception innerException)
        : this(string.Empty, ModelFileProblem.Corrupt, message, innerException)
    {
    }

    /// <summary>A file that passed validation but that llama.cpp refused; <paramref name="message"/> should name the file and the fix.</summary>
    public ModelFileException(string filePath, string message)
        : this(filePath, ModelFileProblem.NotLoadable, message)
    {
    }

    public ModelFileException(string filePath, ModelFileProblem problem, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        FilePath = filePath;
        Problem = problem;
    }

    /// <summary>Full path of the offending file.</summary>
    public string FilePath { get; }

    /// <summary>The kind of problem.</summary>
    public ModelFileProblem Problem { get; }
}
