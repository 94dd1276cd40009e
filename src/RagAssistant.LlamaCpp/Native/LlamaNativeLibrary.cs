using System.Runtime.InteropServices;
using LLama.Native;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace RagAssistant.LlamaCpp.Native;

/// <summary>What <see cref="LlamaNativeLibrary"/> loaded, and why.</summary>
/// <param name="Backend">The build in use.</param>
/// <param name="LibraryFolder">Folder the native libraries were loaded from (empty when LLamaSharp did not say).</param>
/// <param name="GpuDevices">Names of the GPUs ggml uses (empty on CPU).</param>
/// <param name="Reason">Why this backend was chosen, for the start-up log.</param>
/// <param name="SystemInfo">llama.cpp's own summary of the CPU features it was built for.</param>
public sealed record LlamaNativeInfo(LlamaBackend Backend, string LibraryFolder, IReadOnlyList<string> GpuDevices, string Reason, string SystemInfo);

/// <summary>
/// Chooses and loads LLamaSharp's llama.cpp natives once per process: configures <see cref="NativeLibraryConfig"/>
/// (which must happen before anything touches LLamaSharp's native API: creating <c>ModelParams</c> already loads it),
/// confirms the chosen backend from ggml's device list, and routes llama.cpp's log to <see cref="ILogger"/>.
/// </summary>
public static partial class LlamaNativeLibrary
{
    private const string CudaPackageFolder = "runtimes/linux-x64/native/cuda12";

    // What llama.cpp's decode logs when it drops the KV-cache positions of a batch it did not finish.
    internal const string MemoryRemoval = "removing memory module entries";

    private static readonly Lock Gate = new();
    private static LlamaNativeInfo? _info;
    private static ILogger _nativeLogger = NullLogger.Instance;

    // Warnings llama.cpp prints while loading a model or creating a context (n_ctx_seq > n_ctx_train, bad special
    // token, ...) describe the file, not a fault, and would otherwise reach the user at every start: Debug then.
    [ThreadStatic]
    private static bool _loading;
    private static CancellationToken _decodeCancellation;

    /// <summary>What was loaded, or null before <see cref="EnsureInitialized"/>.</summary>
    public static LlamaNativeInfo? Info => _info;

    /// <summary>
    /// Loads llama.cpp for <paramref name="backend"/> (first call wins; a later call asking for a different explicit
    /// backend fails, since a process cannot unload it).
    /// </summary>
    /// <param name="backend">Auto (CUDA when usable, else CPU), Cpu or Cuda.</param>
    /// <param name="nativeLibraryPath">A user's own <c>libllama.so</c> (or the folder holding it), built from the same llama.cpp commit as LLamaSharp 0.30.0; null = LLamaSharp's packaged natives.</param>
    /// <param name="loggerFactory">Receives the backend choice and llama.cpp's own log; null = no logging.</param>
    /// <returns>What was loaded, and why (also <see cref="Info"/> from then on).</returns>
    /// <exception cref="LlamaBackendException">The requested backend cannot run here, <paramref name="nativeLibraryPath"/> does not exist, or the natives fail to load; the message says why and what to do.</exception>
    public static LlamaNativeInfo EnsureInitialized(LlamaBackend backend = LlamaBackend.Auto, string? nativeLibraryPath = null, ILoggerFactory? loggerFactory = null)
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
            var cudaPackage = File.Exists(Path.Combine(AppContext.BaseDirectory, CudaPackageFolder, "libllama.so"));
            var cudaVersion = SystemInfo.Get().CudaMajorVersion;
            var (useCuda, reason) = ChooseBackend(backend, nativeLibraryPath, cudaPackage, cudaVersion);

            // A failed earlier attempt (Cuda asked for, no device) may have loaded the natives already: reuse them.
            if (!NativeLibraryConfig.LLama.LibraryHasLoaded)
            {
                Configure(nativeLibraryPath, useCuda);
            }

            NativeLogConfig.llama_log_set(OnNativeLog);
            var loaded = NativeApi.GetLoadedNativeLibrary(NativeLibraryName.LLama)?.Metadata;
            var gpus = ListGpus();
            if (useCuda && gpus.Count == 0)
            {
                if (backend == LlamaBackend.Cuda)
                {
                    throw new LlamaBackendException(loaded is { UseCuda: true }
                        ? "Backend is Cuda but ggml sees no CUDA device (the CUDA build loaded). Check `nvidia-smi` and the NVIDIA driver (>= 525), or set \"Backend\": \"Cpu\"."
                        : "Backend is Cuda but LLamaSharp's CUDA 12 build could not be loaded: libcudart.so.12, libcublas.so.12 or libcublasLt.so.12 is missing, or the NVIDIA driver is older than 525. Install the CUDA 12 runtime libraries, or set \"Backend\": \"Cpu\".");
                }

                reason += "; the CUDA build did not load or sees no GPU, so the models run on the CPU";
            }

            var backendInUse = gpus.Count > 0 ? LlamaBackend.Cuda : LlamaBackend.Cpu;
            if (backendInUse == LlamaBackend.Cpu && loaded is not null && nativeLibraryPath is null)
            {
                reason += $"; CPU build {Describe(loaded.AvxLevel)}";
            }

            var systemInfo = Marshal.PtrToStringUTF8(NativeApi.llama_print_system_info()) ?? string.Empty;
            _info = new LlamaNativeInfo(backendInUse, LoadedFolder(), gpus, reason, systemInfo);
            // Its own category: appsettings.json quiets "RagAssistant.LlamaCpp.Native" (llama.cpp's lines) to warnings.
            LogBackend(loggerFactory?.CreateLogger("RagAssistant.LlamaCpp.Backend") ?? NullLogger.Instance, backendInUse, reason);
            return _info;
        }
    }

    private static void Configure(string? nativeLibraryPath, bool useCuda)
    {
        var config = NativeLibraryConfig.All;
        config.WithLogCallback(OnNativeLog);
        if (nativeLibraryPath is not null)
        {
            var file = Directory.Exists(nativeLibraryPath) ? Path.Combine(nativeLibraryPath, "libllama.so") : nativeLibraryPath;
            if (!File.Exists(file))
            {
                throw new LlamaBackendException($"LlamaCpp:NativeLibraryPath names {file}, which does not exist. Point it at libllama.so of a llama.cpp build from the same commit as LLamaSharp 0.30.0, or remove the setting.");
            }

            NativeLibraryConfig.LLama.WithLibrary(file);
        }
        else
        {
            // LLamaSharp also searches the working directory ("./"); the program's own folder comes first.
            config.WithCuda(useCuda).WithVulkan(false).WithSearchDirectory(AppContext.BaseDirectory);
        }

        try
        {
            NativeApi.llama_empty_call();
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException or LLama.Exceptions.RuntimeError or TypeInitializationException)
        {
            throw new LlamaBackendException($"llama.cpp's native library could not be loaded ({ex.Message}). {(nativeLibraryPath is null ? "The build copies LLamaSharp.Backend.Cpu's natives under runtimes/ beside the program; rebuild." : "Check LlamaCpp:NativeLibraryPath: it must be built from the same llama.cpp commit as LLamaSharp 0.30.0.")}", ex);
        }
    }

    /// <summary>Decides whether to ask LLamaSharp for its CUDA build; pure, so every branch is testable.</summary>
    /// <param name="backend">The backend asked for.</param>
    /// <param name="nativeLibraryPath">A user's own llama.cpp build, or null.</param>
    /// <param name="cudaPackage">LLamaSharp.Backend.Cuda12's natives are beside the program (built with -p:LlamaCuda=true).</param>
    /// <param name="cudaMajorVersion">LLamaSharp's CUDA detection (<c>CUDA_VERSION</c> or <c>/usr/local/cuda/version.json</c>); -1 = none.</param>
    /// <exception cref="LlamaBackendException"><paramref name="backend"/> is Cuda and CUDA cannot be used.</exception>
    internal static (bool UseCuda, string Reason) ChooseBackend(LlamaBackend backend, string? nativeLibraryPath, bool cudaPackage, int cudaMajorVersion)
    {
        if (nativeLibraryPath is not null)
        {
            return (backend != LlamaBackend.Cpu, $"Backend {backend}: using the llama.cpp build at LlamaCpp:NativeLibraryPath ({nativeLibraryPath})");
        }

        if (backend == LlamaBackend.Cpu)
        {
            return (false, "Backend Cpu");
        }

        if (!cudaPackage)
        {
            return backend == LlamaBackend.Cuda
                ? throw new LlamaBackendException("Backend is Cuda but this build does not include LLamaSharp's CUDA 12 natives. Build with `dotnet build -p:LlamaCuda=true` (adds LLamaSharp.Backend.Cuda12 0.30.0 from nuget.org), or set \"Backend\": \"Cpu\".")
                : (false, "Backend Auto: built without the CUDA package (-p:LlamaCuda=true adds it), using the CPU build");
        }

        if (cudaMajorVersion < 12)
        {
            return backend == LlamaBackend.Cuda
                ? throw new LlamaBackendException($"Backend is Cuda but no CUDA 12 runtime was found ({(cudaMajorVersion < 0 ? "neither CUDA_VERSION nor /usr/local/cuda/version.json is present" : $"CUDA {cudaMajorVersion} found")}). Install the CUDA 12 runtime libraries (libcudart.so.12, libcublas.so.12, libcublasLt.so.12), or set \"Backend\": \"Cpu\".")
                : (false, "Backend Auto: the CUDA package is built in but no CUDA 12 runtime was found (CUDA_VERSION or /usr/local/cuda/version.json), using the CPU build");
        }

        return (true, $"Backend {backend}: the CUDA 12 package is built in and CUDA {cudaMajorVersion} is installed");
    }

    private static string Describe(AvxLevel level) => level switch
    {
        AvxLevel.Avx512 => "avx512 (the processor supports AVX-512)",
        AvxLevel.Avx2 => "avx2 (the processor supports AVX2 but not AVX-512)",
        AvxLevel.Avx => "avx (the processor supports AVX but not AVX2)",
        _ => "noavx (the processor lacks AVX)",
    };

    private static string LoadedFolder()
    {
        try
        {
            foreach (System.Diagnostics.ProcessModule module in System.Diagnostics.Process.GetCurrentProcess().Modules)
            {
                if (module.ModuleName == "libllama.so")
                {
                    return Path.GetDirectoryName(module.FileName) ?? string.Empty;
                }
            }
        }
        catch (InvalidOperationException)
        {
        }

        return string.Empty;
    }

    private static List<string> ListGpus()
    {
        var names = new List<string>();
        var count = NativeApi.ggml_backend_dev_count();
        for (nuint i = 0; i < count; i++)
        {
            var name = Marshal.PtrToStringUTF8(NativeApi.ggml_backend_dev_name(NativeApi.ggml_backend_dev_get(i)));
            if (name is not null && (name.StartsWith("CUDA", StringComparison.OrdinalIgnoreCase) || name.StartsWith("Vulkan", StringComparison.OrdinalIgnoreCase)))
            {
                names.Add(name);
            }
        }

        return names;
    }

    /// <summary>Runs <paramref name="action"/> with llama.cpp's load-time warnings lowered to Debug.</summary>
    internal static T WhileLoading<T>(Func<T> action)
    {
        var previous = _loading;
        _loading = true;
        try
        {
            return action();
        }
        finally
        {
            _loading = previous;
        }
    }

    /// <summary>
    /// Runs one decode; while <paramref name="cancellationToken"/> is cancelled, llama.cpp's error lines (the abort it
    /// reports as a failed graph compute) are lowered to Debug, since the cancellation is the caller's, not a fault.
    /// </summary>
    internal static T WhileCancellable<T>(Func<T> decode, CancellationToken cancellationToken)
    {
        // Decodes are serialised by LLamaSharp's process-wide lock, so one token at a time is enough.
        var previous = _decodeCancellation;
        _decodeCancellation = cancellationToken;
        try
        {
            return decode();
        }
        finally
        {
            _decodeCancellation = previous;
        }
    }

    /// <summary>The <see cref="ILogger"/> level of one llama.cpp log line; <see cref="LogLevel.None"/> drops it.</summary>
    internal static LogLevel ToLogLevel(LLamaLogLevel level, bool loading) => level switch
    {
        LLamaLogLevel.Error => LogLevel.Error,
        LLamaLogLevel.Warning => loading ? LogLevel.Debug : LogLevel.Warning,
        LLamaLogLevel.Info => LogLevel.Debug, // llama.cpp is chatty at INFO: keep it out of the user's way
        _ => LogLevel.None, // DEBUG lines arrive on every graph build
    };

    /// <summary>
    /// The <see cref="ILogger"/> level of one llama.cpp log line in its circumstances; <see cref="LogLevel.None"/> drops it.
    /// </summary>
    /// <param name="level">llama.cpp's own level.</param>
    /// <param name="message">The line as llama.cpp wrote it.</param>
    /// <param name="loading">A model or context is being loaded (its warnings describe the file: Debug).</param>
    /// <param name="decodeCancelled">The decode running now was cancelled by its caller (its errors are the abort: Debug).</param>
    internal static LogLevel ToLogLevel(LLamaLogLevel level, string message, bool loading, bool decodeCancelled)
    {
        var logLevel = ToLogLevel(level, loading);

        // After any decode that stops early (a cancelled answer, most often) llama.cpp drops the half-written positions
        // from the KV cache and says so at WARN ("decode: removing memory module entries for seq_id = 0, pos = [2698,
        // +inf)"): housekeeping, not a fault. A real decode failure is reported by its own error line and exception.
        if (logLevel == LogLevel.Warning && message.Contains(MemoryRemoval, StringComparison.Ordinal))
        {
            return LogLevel.Debug;
        }

        return logLevel == LogLevel.Error && decodeCancelled ? LogLevel.Debug : logLevel;
    }

    private static void OnNativeLog(LLamaLogLevel level, string message) =>
        Forward(_nativeLogger, level, message, _loading, _decodeCancellation.IsCancellationRequested);

    /// <summary>Writes one llama.cpp log line to <paramref name="logger"/> at its level (<see cref="ToLogLevel(LLamaLogLevel, string, bool, bool)"/>).</summary>
    internal static void Forward(ILogger logger, LLamaLogLevel level, string message, bool loading, bool decodeCancelled)
    {
        var logLevel = ToLogLevel(level, message, loading, decodeCancelled);
        if (logLevel == LogLevel.None || !logger.IsEnabled(logLevel))
        {
            return;
        }

        var text = message.TrimEnd();
        if (text.Length > 0)
        {
            LogNative(logger, logLevel, text);
        }
    }

    [LoggerMessage(Message = "llama.cpp: {NativeMessage}")]
    private static partial void LogNative(ILogger logger, LogLevel level, string nativeMessage);

    [LoggerMessage(Level = LogLevel.Information, Message = "llama.cpp backend {Backend}: {Reason}")]
    private static partial void LogBackend(ILogger logger, LlamaBackend backend, string reason);
}

/// <summary>The requested llama.cpp backend cannot run on this machine; the message says why and what to do.</summary>
public sealed class LlamaBackendException : Exception
{
    /// <summary>Creates the exception with a message that says why the backend cannot run and what to install.</summary>
    /// <param name="message">What went wrong and how to fix it, fit to show the user.</param>
    public LlamaBackendException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with the default message.</summary>
    public LlamaBackendException()
    {
    }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    /// <param name="message">What went wrong and how to fix it, fit to show the user.</param>
    /// <param name="innerException">The underlying error.</param>
    public LlamaBackendException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
