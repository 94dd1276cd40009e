using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using RagAssistant.Bench.ModelRuntime;
using RagAssistant.LlamaCpp;

// Model-runtime benchmark: tokens/s through IChatClient vs llama.cpp's own counters (and node-llama-cpp with --node).
// dotnet run -c Release --project bench/RagAssistant.Bench -- --model FILE --threads N --prompt-tokens P --tokens T [--node] --json
var modelOption = new Option<string?>("--model") { Description = "GGUF model file. Default: a generated Qwen2.5-0.5B-shaped model, Q4_K_M (cached under bench/RagAssistant.Bench/cache/)." };
var threadsOption = new Option<int>("--threads") { Description = "llama.cpp threads.", DefaultValueFactory = _ => 1 };
var promptOption = new Option<int>("--prompt-tokens") { Description = "Prompt length in tokens.", DefaultValueFactory = _ => 512 };
var tokensOption = new Option<int>("--tokens") { Description = "Tokens to generate.", DefaultValueFactory = _ => 128 };
var runsOption = new Option<int>("--runs") { Description = "Measured runs after a warm-up (medians are reported).", DefaultValueFactory = _ => 3 };
var batchOption = new Option<int>("--batch-size") { Description = "Prompt tokens per llama_decode call.", DefaultValueFactory = _ => 512 };
var nodeOption = new Option<bool>("--node") { Description = "Also measure node-llama-cpp 3.22.1 on the same file, threads and prompt (installed into bench/node/ on first use)." };
var backendOption = new Option<LlamaBackend>("--backend") { Description = "Cpu or Cuda.", DefaultValueFactory = _ => LlamaBackend.Cpu };
var jsonOption = new Option<bool>("--json") { Description = "Print the report as JSON on stdout (progress goes to stderr)." };

var root = new RootCommand("RagAssistant model-runtime benchmark.")
{
    modelOption, threadsOption, promptOption, tokensOption, runsOption, batchOption, nodeOption, backendOption, jsonOption,
};
root.SetAction(async (parse, cancellationToken) =>
{
    var settings = new ModelBenchmarkSettings(
        parse.GetValue(modelOption),
        parse.GetValue(threadsOption),
        parse.GetValue(promptOption),
        parse.GetValue(tokensOption),
        parse.GetValue(runsOption),
        parse.GetValue(batchOption),
        parse.GetValue(nodeOption),
        parse.GetValue(backendOption));

    ModelBenchmarkReport report;
    try
    {
        report = await ModelRuntimeBenchmark.RunAsync(settings, Console.Error, cancellationToken);
    }
    catch (Exception ex) when (ex is RagAssistant.LlamaCpp.Gguf.ModelFileException or ArgumentException or InvalidOperationException)
    {
        Console.Error.WriteLine(ex.Message);
        return 1;
    }

    if (parse.GetValue(jsonOption))
    {
        Console.WriteLine(JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }));
        return 0;
    }

    Console.WriteLine(ModelBenchmarkTable.Format(report));
    return 0;
});

return await root.Parse(args).InvokeAsync();
