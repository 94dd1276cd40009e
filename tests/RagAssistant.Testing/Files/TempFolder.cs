namespace RagAssistant.Testing.Files;

/// <summary>A unique folder under the system temp folder, deleted (best effort) when disposed.</summary>
public sealed class TempFolder : IDisposable
{
    /// <summary>Creates the folder.</summary>
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "ragassistant-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    /// <summary>The folder's absolute path.</summary>
    public string Path { get; }

    /// <summary>The absolute path of <paramref name="name"/> in the folder (not created).</summary>
    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Writes <paramref name="content"/> to <paramref name="name"/> (creating its sub-folders) and returns its absolute path.</summary>
    public string Write(string name, string content)
    {
        var full = File(name);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        System.IO.File.WriteAllText(full, content);
        return full;
    }

    /// <summary>Copies the files of <paramref name="folder"/> (not its sub-folders) into this one.</summary>
    public void CopyFrom(string folder)
    {
        foreach (var file in Directory.GetFiles(folder))
        {
            System.IO.File.Copy(file, File(System.IO.Path.GetFileName(file)));
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp folder must not fail a test.
        }
        catch (UnauthorizedAccessException)
        {
            // Same: a file still mapped by a native library (a model) may refuse deletion.
        }
    }
}
