using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using RagAssistant.LlamaCpp.Native;

namespace RagAssistant.LlamaCpp.Tests.Native;

/// <summary>
/// The C# structs must match llama.h of the bundled build byte for byte (../shared/llama-api.md §3, read
/// from gcc's offsetof). The defaults the library itself returns are read back through the binding: a
/// layout shifted by a version bump shows up as wrong values here instead of corrupted memory later.
/// </summary>
public sealed class NativeLayoutTests
{
    public NativeLayoutTests() => LlamaNativeLibrary.EnsureInitialized(LlamaBackend.Cpu);

    [Theory]
    [InlineData(typeof(LlamaModelParams), 80)]
    [InlineData(typeof(LlamaContextParams), 160)]
    [InlineData(typeof(LlamaBatch), 56)]
    [InlineData(typeof(LlamaChatMessage), 16)]
    [InlineData(typeof(LlamaSamplerChainParams), 1)]
    [InlineData(typeof(LlamaPerfContextData), 48)]
    [InlineData(typeof(LlamaModelQuantizeParams), 64)]
    public void Struct_sizes_match_the_header(Type type, int size) =>
        Assert.Equal(size, Marshal.SizeOf(type));

    [Theory]
    [InlineData(nameof(LlamaModelParams.NGpuLayers), 16)]
    [InlineData(nameof(LlamaModelParams.SplitMode), 20)]
    [InlineData(nameof(LlamaModelParams.LoadMode), 24)]
    [InlineData(nameof(LlamaModelParams.LazyMode), 28)]
    [InlineData(nameof(LlamaModelParams.MainGpu), 32)]
    [InlineData(nameof(LlamaModelParams.TensorSplit), 40)]
    [InlineData(nameof(LlamaModelParams.ProgressCallback), 48)]
    [InlineData(nameof(LlamaModelParams.KvOverrides), 64)]
    [InlineData(nameof(LlamaModelParams.VocabOnly), 72)]
    [InlineData(nameof(LlamaModelParams.LoadMtp), 77)]
    public void Model_params_offsets_match_the_header(string field, int offset) =>
        Assert.Equal(offset, (int)Marshal.OffsetOf<LlamaModelParams>(field));

    [Theory]
    [InlineData(nameof(LlamaContextParams.NBatch), 4)]
    [InlineData(nameof(LlamaContextParams.NSeqMax), 12)]
    [InlineData(nameof(LlamaContextParams.NThreads), 28)]
    [InlineData(nameof(LlamaContextParams.CtxType), 36)]
    [InlineData(nameof(LlamaContextParams.PoolingType), 44)]
    [InlineData(nameof(LlamaContextParams.FlashAttnType), 52)]
    [InlineData(nameof(LlamaContextParams.RopeFreqBase), 56)]
    [InlineData(nameof(LlamaContextParams.YarnOrigCtx), 80)]
    [InlineData(nameof(LlamaContextParams.DefragThold), 84)]
    [InlineData(nameof(LlamaContextParams.CbEval), 88)]
    [InlineData(nameof(LlamaContextParams.TypeK), 104)]
    [InlineData(nameof(LlamaContextParams.AbortCallback), 112)]
    [InlineData(nameof(LlamaContextParams.Embeddings), 128)]
    [InlineData(nameof(LlamaContextParams.NoPerf), 130)]
    [InlineData(nameof(LlamaContextParams.KvUnified), 133)]
    [InlineData(nameof(LlamaContextParams.Samplers), 136)]
    [InlineData(nameof(LlamaContextParams.NSamplers), 144)]
    [InlineData(nameof(LlamaContextParams.CtxOther), 152)]
    public void Context_params_offsets_match_the_header(string field, int offset) =>
        Assert.Equal(offset, (int)Marshal.OffsetOf<LlamaContextParams>(field));

    [Theory]
    [InlineData(nameof(LlamaBatch.Token), 8)]
    [InlineData(nameof(LlamaBatch.Pos), 24)]
    [InlineData(nameof(LlamaBatch.SeqId), 40)]
    [InlineData(nameof(LlamaBatch.Logits), 48)]
    public void Batch_offsets_match_the_header(string field, int offset) =>
        Assert.Equal(offset, (int)Marshal.OffsetOf<LlamaBatch>(field));

    [Theory]
    [InlineData(nameof(LlamaPerfContextData.TPromptEvalMs), 16)]
    [InlineData(nameof(LlamaPerfContextData.NPromptEval), 32)]
    [InlineData(nameof(LlamaPerfContextData.NReused), 40)]
    public void Perf_offsets_match_the_header(string field, int offset) =>
        Assert.Equal(offset, (int)Marshal.OffsetOf<LlamaPerfContextData>(field));

    [Theory]
    [InlineData(nameof(LlamaModelQuantizeParams.FType), 4)]
    [InlineData(nameof(LlamaModelQuantizeParams.AllowRequantize), 16)]
    [InlineData(nameof(LlamaModelQuantizeParams.DryRun), 21)]
    [InlineData(nameof(LlamaModelQuantizeParams.Imatrix), 24)]
    [InlineData(nameof(LlamaModelQuantizeParams.MaxBufSize), 56)]
    public void Quantize_params_offsets_match_the_header(string field, int offset) =>
        Assert.Equal(offset, (int)Marshal.OffsetOf<LlamaModelQuantizeParams>(field));

    [Fact]
    public void Structs_are_blittable_for_LibraryImport()
    {
        Assert.False(RuntimeHelpers.IsReferenceOrContainsReferences<LlamaModelParams>());
        Assert.False(RuntimeHelpers.IsReferenceOrContainsReferences<LlamaContextParams>());
        Assert.False(RuntimeHelpers.IsReferenceOrContainsReferences<LlamaModelQuantizeParams>());
    }

    [Fact]
    public void Model_default_params_read_through_the_binding_match_the_documented_defaults()
    {
        var p = NativeMethods.llama_model_default_params();
        Assert.Equal(IntPtr.Zero, p.Devices);
        Assert.Equal(IntPtr.Zero, p.TensorBuftOverrides);
        Assert.Equal(-1, p.NGpuLayers);
        Assert.Equal(1, p.SplitMode);
        Assert.Equal(-1, p.LoadMode);
        Assert.Equal(1, p.LazyMode);
        Assert.Equal(0, p.MainGpu);
        Assert.Equal(IntPtr.Zero, p.TensorSplit);
        Assert.Equal(IntPtr.Zero, p.ProgressCallback);
        Assert.Equal(IntPtr.Zero, p.ProgressCallbackUserData);
        Assert.Equal(IntPtr.Zero, p.KvOverrides);
        Assert.Equal(0, p.VocabOnly);
        Assert.Equal(0, p.CheckTensors);
        Assert.Equal(1, p.UseExtraBufts);
        Assert.Equal(0, p.NoHost);
        Assert.Equal(0, p.NoAlloc);
        Assert.Equal(0, p.LoadMtp);
    }

    [Fact]
    public void Context_default_params_read_through_the_binding_match_the_documented_defaults()
    {
        var p = NativeMethods.llama_context_default_params();
        Assert.Equal(512u, p.NCtx);
        Assert.Equal(2048u, p.NBatch);
        Assert.Equal(512u, p.NUbatch);
        Assert.Equal(1u, p.NSeqMax);
        Assert.Equal(0u, p.NRsSeq);
        Assert.Equal(0u, p.NOutputsMax);
        Assert.Equal(1u, p.NOutputsMaxPerSeq);
        Assert.Equal(4, p.NThreads);
        Assert.Equal(4, p.NThreadsBatch);
        Assert.Equal(0, p.CtxType);
        Assert.Equal(-1, p.RopeScalingType);
        Assert.Equal(-1, p.PoolingType);
        Assert.Equal(-1, p.AttentionType);
        Assert.Equal(-1, p.FlashAttnType);
        Assert.Equal(0f, p.RopeFreqBase);
        Assert.Equal(0f, p.RopeFreqScale);
        Assert.Equal(-1f, p.YarnExtFactor);
        Assert.Equal(-1f, p.YarnAttnFactor);
        Assert.Equal(-1f, p.YarnBetaFast);
        Assert.Equal(-1f, p.YarnBetaSlow);
        Assert.Equal(0u, p.YarnOrigCtx);
        Assert.Equal(-1f, p.DefragThold);
        Assert.Equal(IntPtr.Zero, p.CbEval);
        Assert.Equal(IntPtr.Zero, p.CbEvalUserData);
        Assert.Equal(1, p.TypeK);
        Assert.Equal(1, p.TypeV);
        Assert.Equal(IntPtr.Zero, p.AbortCallback);
        Assert.Equal(IntPtr.Zero, p.AbortCallbackData);
        Assert.Equal(0, p.Embeddings);
        Assert.Equal(1, p.OffloadKqv);
        Assert.Equal(1, p.NoPerf);
        Assert.Equal(1, p.OpOffload);
        Assert.Equal(1, p.SwaFull);
        Assert.Equal(0, p.KvUnified);
        Assert.Equal(IntPtr.Zero, p.Samplers);
        Assert.Equal(0u, p.NSamplers);
        Assert.Equal(IntPtr.Zero, p.CtxOther);
    }

    [Fact]
    public void Sampler_chain_and_quantize_defaults_match_the_documented_defaults()
    {
        Assert.Equal(1, NativeMethods.llama_sampler_chain_default_params().NoPerf);

        var q = NativeMethods.llama_model_quantize_default_params();
        Assert.Equal(0, q.NThread);
        Assert.Equal(7, q.FType);
        Assert.Equal(43, q.OutputTensorType);
        Assert.Equal(43, q.TokenEmbeddingType);
        Assert.Equal(0, q.AllowRequantize);
        Assert.Equal(1, q.QuantizeOutputTensor);
        Assert.Equal(0, q.OnlyCopy);
        Assert.Equal(0, q.Pure);
        Assert.Equal(0, q.KeepSplit);
        Assert.Equal(0, q.DryRun);
        Assert.Equal(IntPtr.Zero, q.Imatrix);
        Assert.Equal(IntPtr.Zero, q.PruneLayers);
        Assert.Equal(8UL << 30, (ulong)q.MaxBufSize);
    }

    [Fact]
    public unsafe void Loads_the_bundled_build_and_picks_a_cpu_variant()
    {
        var info = LlamaNativeLibrary.EnsureInitialized(LlamaBackend.Cpu);
        Assert.Equal(LlamaBackend.Cpu, info.Backend);
        Assert.Equal("0.5.0-dev", NativeMethods.ReadUtf8(NativeMethods.llama_version()));
        Assert.Contains("CPU", info.SystemInfo, StringComparison.Ordinal);
    }
}
