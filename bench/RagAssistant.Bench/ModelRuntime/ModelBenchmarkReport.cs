namespace RagAssistant.Bench.ModelRuntime;

/// <summary>One measured generation through <c>IChatClient</c> streaming, with llama.cpp's own counters for the same run.</summary>
public sealed record ChatClientRun(
    int PromptTokens,
    int PromptTokensEvaluated,
    int CompletionTokens,
    double TtftMs,
    double WallPromptTps,
    double WallDecodeTps,
    double NativePromptTps,
    double NativeDecodeTps,
    double NativePromptMs,
    double NativeDecodeMs);

/// <summary>One node-llama-cpp run on the same prompt text and evaluated prompt length as the C# run it follows or precedes.</summary>
public sealed record NodeLlamaCppRun(int PromptTokens, int CompletionTokens, double TtftMs, double PromptTps, double DecodeTps);

/// <summary>node-llama-cpp's figures for the same file, threads and prompts (wall clock in JavaScript).</summary>
public sealed record NodeLlamaCppResult(string NodeLlamaCppVersion, double? PeakRssMb, IReadOnlyList<NodeLlamaCppRun> Runs);

/// <summary>The benchmark's output; serialised with snake_case names (<c>wall_prompt_tps</c>, ...). Figures are medians over the runs.</summary>
public sealed record ModelBenchmarkReport(
    string Model,
    long ModelBytes,
    string ModelDescription,
    string Backend,
    string Cpu,
    int Threads,
    int BatchSize,
    int PromptTokens,
    int PromptTokensEvaluated,
    int CompletionTokens,
    int Runs,
    double WallPromptTps,
    double WallDecodeTps,
    double NativePromptTps,
    double NativeDecodeTps,
    double TtftMs,
    double? PeakRssMb,
    double WallVsNativePrompt,
    double WallVsNativeDecode,
    double? NodePromptTps,
    double? NodeDecodeTps,
    double? NodeTtftMs,
    double? NodePeakRssMb,
    double? VsNodePrompt,
    double? VsNodeDecode,
    IReadOnlyList<ChatClientRun> RunDetails,
    NodeLlamaCppResult? Node);
