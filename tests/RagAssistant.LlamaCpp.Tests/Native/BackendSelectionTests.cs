using LLama.Native;
using Microsoft.Extensions.Logging;
using RagAssistant.LlamaCpp.Native;

namespace RagAssistant.LlamaCpp.Tests.Native;

/// <summary>The backend decision, every branch (CUDA cannot be restored here, so the decision is tested apart from loading).</summary>
public sealed class BackendSelectionTests
{
    [Fact]
    public void Cuda_requested_without_the_cuda_package_is_a_clear_error_not_a_fallback()
    {
        var error = Assert.Throws<LlamaBackendException>(() => LlamaNativeLibrary.ChooseBackend(LlamaBackend.Cuda, null, cudaPackage: false, cudaMajorVersion: 12));
        Assert.Contains("-p:LlamaCuda=true", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Cuda_requested_without_a_cuda_12_runtime_names_what_to_install()
    {
        var error = Assert.Throws<LlamaBackendException>(() => LlamaNativeLibrary.ChooseBackend(LlamaBackend.Cuda, null, cudaPackage: true, cudaMajorVersion: -1));
        Assert.Contains("libcudart.so.12", error.Message, StringComparison.Ordinal);
        Assert.Contains("CUDA_VERSION", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Cuda_with_package_and_runtime_asks_llamasharp_for_cuda()
    {
        var (useCuda, reason) = LlamaNativeLibrary.ChooseBackend(LlamaBackend.Cuda, null, cudaPackage: true, cudaMajorVersion: 12);
        Assert.True(useCuda);
        Assert.Contains("CUDA 12", reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false, 12, "built without the CUDA package")]
    [InlineData(true, -1, "no CUDA 12 runtime")]
    public void Auto_says_why_it_chose_the_cpu(bool cudaPackage, int cudaVersion, string expected)
    {
        var (useCuda, reason) = LlamaNativeLibrary.ChooseBackend(LlamaBackend.Auto, null, cudaPackage, cudaVersion);
        Assert.False(useCuda);
        Assert.Contains(expected, reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Cpu_never_asks_for_cuda()
    {
        var (useCuda, _) = LlamaNativeLibrary.ChooseBackend(LlamaBackend.Cpu, null, cudaPackage: true, cudaMajorVersion: 12);
        Assert.False(useCuda);
    }

    [Fact]
    public void The_loaded_cpu_backend_reports_the_avx_build_it_chose()
    {
        var info = LlamaNativeLibrary.EnsureInitialized(LlamaBackend.Cpu);
        Assert.Equal(LlamaBackend.Cpu, info.Backend);
        Assert.Empty(info.GpuDevices);
        Assert.Matches("CPU build (avx512|avx2|avx|noavx) ", info.Reason);
        Assert.Contains("runtimes/linux-x64/native/", info.LibraryFolder, StringComparison.Ordinal);
        Assert.Throws<LlamaBackendException>(() => LlamaNativeLibrary.EnsureInitialized(LlamaBackend.Cuda));
    }

    [Theory]
    [InlineData(LLamaLogLevel.Warning, true, LogLevel.Debug)] // "n_ctx_seq > n_ctx_train", "bad special token" while loading
    [InlineData(LLamaLogLevel.Warning, false, LogLevel.Warning)]
    [InlineData(LLamaLogLevel.Error, true, LogLevel.Error)]
    [InlineData(LLamaLogLevel.Info, false, LogLevel.Debug)]
    [InlineData(LLamaLogLevel.Debug, false, LogLevel.None)]
    public void Llama_cpp_log_levels_keep_load_time_chatter_at_debug(LLamaLogLevel level, bool loading, LogLevel expected) =>
        Assert.Equal(expected, LlamaNativeLibrary.ToLogLevel(level, loading));
}
