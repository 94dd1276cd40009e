using RagAssistant.LlamaCpp.Native;

namespace RagAssistant.LlamaCpp.Tests.Native;

public sealed class BackendSelectionTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("llama-native-").FullName;

    public BackendSelectionTests()
    {
        Directory.CreateDirectory(Path.Combine(_root, "cpu"));
        File.WriteAllBytes(Path.Combine(_root, "cpu", "libllama.v0.5.0.so"), []);
    }

    [Fact]
    public void Cuda_requested_without_the_cuda_build_is_a_clear_error_not_a_fallback()
    {
        var error = Assert.Throws<LlamaBackendException>(() => LlamaNativeLibrary.ChooseBuild(LlamaBackend.Cuda, _root));
        Assert.Contains("-p:LlamaCuda=true", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Cuda_requested_with_the_build_but_no_cuda_runtime_names_the_missing_libraries()
    {
        Directory.CreateDirectory(Path.Combine(_root, "cuda"));
        File.WriteAllBytes(Path.Combine(_root, "cuda", "libllama.cuda.v0.5.0.so"), []);
        if (File.Exists("/usr/lib/x86_64-linux-gnu/libcudart.so.13"))
        {
            Assert.Skip("This machine has the CUDA 13 runtime.");
        }

        var error = Assert.Throws<LlamaBackendException>(() => LlamaNativeLibrary.ChooseBuild(LlamaBackend.Cuda, _root));
        Assert.Contains("libcudart.so.13", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Auto_without_cuda_uses_the_cpu_build_and_says_why()
    {
        var (useCuda, folder, reason) = LlamaNativeLibrary.ChooseBuild(LlamaBackend.Auto, _root);
        Assert.False(useCuda);
        Assert.Equal(Path.Combine(_root, "cpu"), folder);
        Assert.Contains("CPU", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_native_libraries_say_how_to_restore_them()
    {
        File.Delete(Path.Combine(_root, "cpu", "libllama.v0.5.0.so"));
        var error = Assert.Throws<LlamaBackendException>(() => LlamaNativeLibrary.ChooseBuild(LlamaBackend.Cpu, _root));
        Assert.Contains("dotnet build", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
