using System.Diagnostics;
using RagAssistant.LlamaCpp.Gguf;
using RagAssistant.Testing.Models;

namespace RagAssistant.Bench.ModelRuntime;

/// <summary>
/// The default benchmark model: <see cref="SyntheticLlamaModelSpec.Qwen05BLike"/> written as F16 and quantized to
/// Q4_K_M by llama.cpp, cached so that only the first run pays for it (~1 GB written, ~400 MB kept).
/// </summary>
internal static class BenchModelCache
{
    private const string FileName = "synthetic-qwen2.5-0.5b-like-seed1-q4_k_m.gguf";

    public static string EnsureQwen05BQ4KM(TextWriter log)
    {
        string folder = BenchPaths.ModelCache;
        string target = Path.Combine(folder, FileName);
        if (File.Exists(target))
        {
            try
            {
                GgufValidator.Validate(target);
                return target;
            }
            catch (ModelFileException ex)
            {
                log.WriteLine($"Regenerating the cached model: {ex.Message}");
            }
        }

        Directory.CreateDirectory(folder);
        string f16 = Path.Combine(folder, "synthetic-qwen2.5-0.5b-like-seed1-f16.gguf");
        string partial = target + ".part";
        try
        {
            var stopwatch = Stopwatch.StartNew();
            log.WriteLine($"Generating the Qwen2.5-0.5B-shaped model (F16, ~1 GB) in {folder} ...");
            SyntheticLlamaModel.WriteQwen05BLike(f16, seed: 1);
            log.WriteLine($"  written in {stopwatch.Elapsed.TotalSeconds:F0} s; quantizing to Q4_K_M with llama.cpp ...");
            stopwatch.Restart();
            ModelQuantizer.Quantize(f16, partial, QuantizedFileType.Q4_K_M, threads: 0);
            File.Move(partial, target, overwrite: true);
            log.WriteLine($"  quantized in {stopwatch.Elapsed.TotalSeconds:F0} s: {target} ({new FileInfo(target).Length / 1048576.0:F0} MiB)");
            return target;
        }
        finally
        {
            File.Delete(f16);
            File.Delete(partial);
        }
    }
}
