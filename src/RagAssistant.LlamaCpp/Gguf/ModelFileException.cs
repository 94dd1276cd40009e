namespace RagAssistant.LlamaCpp.Gguf;

/// <summary>
/// A model file that cannot be used. The message names the file, says what is wrong and how to fix it,
/// so it can be shown to the user as is.
/// </summary>
public sealed class ModelFileException : Exception
{
    /// <summary>Creates the exception for an unknown file, with the default message.</summary>
    public ModelFileException()
        : this(string.Empty, ModelFileProblem.Corrupt, "The model file is not usable.")
    {
    }

    /// <summary>Creates the exception for an unknown file (<see cref="ModelFileProblem.Corrupt"/>).</summary>
    /// <param name="message">What is wrong and how to fix it, fit to show the user.</param>
    public ModelFileException(string message)
        : this(string.Empty, ModelFileProblem.Corrupt, message)
    {
    }

    /// <summary>Creates the exception for an unknown file (<see cref="ModelFileProblem.Corrupt"/>), with its cause.</summary>
    /// <param name="message">What is wrong and how to fix it, fit to show the user.</param>
    /// <param name="innerException">The underlying error.</param>
    public ModelFileException(string message, Exception innerException)
        : this(string.Empty, ModelFileProblem.Corrupt, message, innerException)
    {
    }

    /// <summary>A file that passed validation but that llama.cpp refused; <paramref name="message"/> should name the file and the fix.</summary>
    /// <param name="filePath">Full path of the file.</param>
    /// <param name="message">What is wrong and how to fix it, fit to show the user.</param>
    public ModelFileException(string filePath, string message)
        : this(filePath, ModelFileProblem.NotLoadable, message)
    {
    }

    /// <summary>Creates the exception for <paramref name="filePath"/>.</summary>
    /// <param name="filePath">Full path of the file.</param>
    /// <param name="problem">The kind of problem.</param>
    /// <param name="message">What is wrong and how to fix it, fit to show the user.</param>
    /// <param name="innerException">The underlying error, if any.</param>
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

    /// <summary>What the file was loaded for: which model's download, option and setting the fix names.</summary>
    public ModelFileRole Role { get; init; } = ModelFileRole.Chat;

    // What the reader found, kept so that a front end can reword the fix (WithDownloadAdvice); null for a message given whole.
    internal string? Detail { get; init; }

    /// <summary>
    /// The same error, its fix naming <paramref name="downloadAdvice"/> as the way to fetch the default model again:
    /// the front end's words (the command as the program was started, or a service's endpoint), which this adapter
    /// cannot know. An error whose message was given whole (e.g. llama.cpp refused the file) is returned as it is.
    /// </summary>
    /// <param name="downloadAdvice">A clause such as "download the default one with `dotnet ragassistant.dll models download chat`".</param>
    /// <returns>A new exception with the same file, problem, role and cause, or this one.</returns>
    /// <exception cref="ArgumentException"><paramref name="downloadAdvice"/> is null or white space.</exception>
    public ModelFileException WithDownloadAdvice(string downloadAdvice)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(downloadAdvice);
        return Detail is null
            ? this
            : new ModelFileException(FilePath, Problem, ModelFileErrors.Message(FilePath, Problem, Detail, Role, downloadAdvice), InnerException) { Role = Role, Detail = Detail };
    }
}
