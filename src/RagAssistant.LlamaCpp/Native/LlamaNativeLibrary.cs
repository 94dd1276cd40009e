using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace RagAssistant.LlamaCpp.Native;

/// <summary>What <see cref="LlamaNativeLibrary"/> loaded, and why.</summary>
/// <param name="Backend">The build in use.</param>
/// <param name="LibraryFolder">Folder the native libraries were loaded from.</param>
/// <param name="GpuDevices">Names of the GPUs ggml sees (empty on CPU).</param>
/// <param name="Reason">Why this backend was chosen, for the start-up log.</param>
public sealed record LlamaNativeInfo(LlamaBackend Backend, string LibraryFolder, IReadOnlyList<string> GpuDevices, string Reason, string SystemInfo);

/// <summary>
/// Loads llama.cpp once per process: picks the CPU or CUDA build, maps the logical library names used by
/// <see cref="NativeMethods"/> to that build's files, registers ggml's backends from that folder (so ggml
/// chooses the best CPU variant), and routes native log lines to <see cref="ILogger"/>.
/// </summary>
public static unsafe partial class LlamaNativeLibrary
{
    private const string CpuLlama = "libllama.v0.5.0.so";
    private const string CpuGgml = "libggml.v0.5.0.so";
    private const string CudaLlama = "libllama.cuda.v0.5.0.so";
    private const string CudaGgml = "libggml.cuda.v0.5.0.so";
    private const string GgmlBase = "libggml-base.so";

    // The CUDA build links against these; the -cuda-ext package would add CUDA 12 fallbacks.
    private static readonly string[] CudaRuntimeLibraries = ["libcuda.so.1", "libcudart.so.13", "libcublas.so.13"];

    private static readonly Lock Gate = new();
    private static LlamaNativeInfo? _info;
    private static string? _folder;
    private static bool _cuda;
    private static ILogger _nativeLogger = NullLogger.Instance;
    private static int _lastLevel = (int)GgmlLogLevel.Info;

    /// <summary>What was loaded, or null before <see cref="EnsureInitialized"/>.</summary>
    public static LlamaNativeInfo? Info => _info;

    /// <summary>
    /// Loads the native libraries for <paramref name="backend"/> (first call wins; a later call asking for a
    /// different explicit backend fails, since a process cannot unload llama.cpp).
    /// </summary>
    /// <param name="nativeFolder">Folder holding <c>cpu/</c> and <c>cuda/</c>; null = <c>native/linux-x64</c> beside the program.</param>
    /// <exception cref="LlamaBackendException">The requested backend cannot run here; the message says why and what to install.</exception>
    public static LlamaNativeInfo EnsureInitialized(LlamaBackend backend = LlamaBackend.Auto, string? nativeFolder = null, ILoggerFactory? loggerFactory = null)
    {
        lock (Gate)
        {
            if (_info is not null)
            {
                if (backend != LlamaBackend.Auto && backend != _info.Backend)
                {
                    throw new LlamaBackendException($"llama.cpp is already loaded with the {_info.Backend} backend in this process; {backend} cannot be loaded beside it. Use one Backend setting for all models.");
                }

                return _info;
            }

            _nativeLogger = loggerFactory?.CreateLogger("RagAssistant.LlamaCpp.Native") ?? NullLogger.Instance;
            var root = nativeFolder ?? Path.Combine(AppContext.BaseDirectory, "native", "linux-x64");
            var (useCuda, folder, reason) = ChooseBuild(backend, root);

            _folder = folder;
            _cuda = useCuda;

            // ggml would otherwise try to attach gdb on an abort; the variable must be in the native environment.
            _ = setenv("GGML_NO_BACKTRACE", "1", 1);
            NativeLibrary.SetDllImportResolver(typeof(LlamaNativeLibrary).Assembly, Resolve);

            NativeMethods.llama_log_set(&OnNativeLog, null);
            NativeMethods.ggml_set_abort_callback(&OnNativeAbort);
            NativeMethods.ggml_backend_load_all_from_path(folder);
            NativeMethods.llama_backend_init();

            var gpus = ListGpus();
            if (useCuda && gpus.Count == 0)
            {
                if (backend == LlamaBackend.Cuda)
                {
                    throw new LlamaBackendException("Backend is Cuda but no CUDA GPU is visible (the CUDA libraries loaded, ggml found no GPU device). Check `nvidia-smi`, or set \"Backend\": \"Cpu\".");
                }

                reason += "; no GPU is visible, so the models run on the CPU";
            }

            var backendInUse = useCuda && gpus.Count > 0 ? LlamaBackend.Cuda : LlamaBackend.Cpu;
            var systemInfo = NativeMethods.ReadUtf8(NativeMethods.llama_print_system_info()) ?? string.Empty;
            _info = new LlamaNativeInfo(backendInUse, folder, gpus, reason, systemInfo);
            return _info;
        }
    }

    internal static (bool UseCuda, string Folder, string Reason) ChooseBuild(LlamaBackend backend, string root)
    {
        var cpuFolder = Path.Combine(root, "cpu");
        var cudaFolder = Path.Combine(root, "cuda");
        var cudaBuildPresent = File.Exists(Path.Combine(cudaFolder, CudaLlama));

        if (backend != LlamaBackend.Cpu)
        {
            var missing = cudaBuildPresent ? CudaRuntimeLibraries.Where(lib => !CanLoad(lib)).ToList() : [];
            if (cudaBuildPresent && missing.Count == 0)
            {
                return (true, cudaFolder, $"Backend {backend}: the CUDA build is installed and the CUDA runtime and cuBLAS load");
            }

            if (backend == LlamaBackend.Cuda)
            {
                throw new LlamaBackendException(cudaBuildPresent
                    ? $"Backend is Cuda but {string.Join(", ", missing)} cannot be loaded. Install the NVIDIA driver and the CUDA 13 runtime with cuBLAS (e.g. the cuda-runtime-13 and libcublas-13 packages), or set \"Backend\": \"Cpu\"."
                    : $"Backend is Cuda but the CUDA build of llama.cpp is not installed in {cudaFolder}. Build with `dotnet build -p:LlamaCuda=true` (restores @node-llama-cpp/linux-x64-cuda), or set \"Backend\": \"Cpu\".");
            }

            var why = cudaBuildPresent
                ? $"Backend Auto: CUDA build present but {string.Join(", ", missing)} not loadable, using the CPU build"
                : "Backend Auto: CUDA build not installed (build with -p:LlamaCuda=true to add it), using the CPU build";
            return (false, RequireCpu(cpuFolder), why);
        }

        return (false, RequireCpu(cpuFolder), "Backend Cpu");
    }

    private static string RequireCpu(string cpuFolder) =>
        File.Exists(Path.Combine(cpuFolder, CpuLlama))
            ? cpuFolder
            : throw new LlamaBackendException($"llama.cpp's native libraries are missing from {cpuFolder}. They are restored by the build from npm (native/package.json): run `dotnet build` from the repository root with Node.js and npm installed.");

    private static bool CanLoad(string library)
    {
        if (!NativeLibrary.TryLoad(library, out var handle))
        {
            return false;
        }

        NativeLibrary.Free(handle);
        return true;
    }

    private static List<string> ListGpus()
    {
        var names = new List<string>();
        var count = NativeMethods.ggml_backend_dev_count();
        for (nuint i = 0; i < count; i++)
        {
            var device = NativeMethods.ggml_backend_dev_get(i);
            var type = (GgmlBackendDeviceType)NativeMethods.ggml_backend_dev_type(device);
            if (type is GgmlBackendDeviceType.Gpu or GgmlBackendDeviceType.IntegratedGpu)
            {
                names.Add(NativeMethods.ReadUtf8(NativeMethods.ggml_backend_dev_description(device)) ?? NativeMethods.ReadUtf8(NativeMethods.ggml_backend_dev_name(device)) ?? "GPU");
            }
        }

        return names;
    }

    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        var folder = _folder ?? throw new InvalidOperationException("llama.cpp was called before LlamaNativeLibrary.EnsureInitialized.");
        var file = libraryName switch
        {
            NativeMethods.Llama => _cuda ? CudaLlama : CpuLlama,
            NativeMethods.Ggml => _cuda ? CudaGgml : CpuGgml,
            NativeMethods.GgmlBase => GgmlBase,
            _ => null,
        };
        return file is null ? IntPtr.Zero : NativeLibrary.Load(Path.Combine(folder, file));
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnNativeLog(int level, byte* text, void* userData)
    {
        // CONT continues the previous line at its level; DEBUG lines arrive on every graph build and are
        // dropped before the string is marshalled.
        var effective = level == (int)GgmlLogLevel.Cont ? _lastLevel : level;
        _lastLevel = effective;
        var logLevel = effective switch
        {
            (int)GgmlLogLevel.Error => LogLevel.Error,
            (int)GgmlLogLevel.Warn => LogLevel.Warning,
            (int)GgmlLogLevel.Info => LogLevel.Debug, // llama.cpp is chatty at INFO: keep it out of the user's way
            _ => LogLevel.None,
        };
        if (logLevel == LogLevel.None || text is null || !_nativeLogger.IsEnabled(logLevel))
        {
            return;
        }

        var message = Marshal.PtrToStringUTF8((IntPtr)text)?.TrimEnd();
        if (!string.IsNullOrEmpty(message))
        {
            _nativeLogger.Log(logLevel, "llama.cpp: {NativeMessage}", message);
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnNativeAbort(byte* message)
    {
        // Called just before ggml aborts the process: a bug in our validation. Leave a trace.
        var text = Marshal.PtrToStringUTF8((IntPtr)message);
        _nativeLogger.LogCritical("llama.cpp is aborting the process: {NativeMessage}", text);
        Console.Error.WriteLine($"llama.cpp aborted: {text}");
    }

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    private static partial int setenv(string name, string value, int overwrite);
}

/// <summary>The requested llama.cpp backend cannot run on this machine; the message says why and what to do.</summary>
public sealed class LlamaBackendException : Exception
{
    public LlamaBackendException(string message)
        : base(message)
    {
    }

    public LlamaBackendException()
    {
    }

    public LlamaBackendException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
