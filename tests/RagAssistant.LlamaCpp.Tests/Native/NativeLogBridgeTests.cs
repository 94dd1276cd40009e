using LLama.Native;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using RagAssistant.LlamaCpp.Native;

namespace RagAssistant.LlamaCpp.Tests.Native;

/// <summary>
/// The bridge from llama.cpp's log to <see cref="ILogger"/>: what it writes, at which level, for the lines llama.cpp
/// prints around a cancelled answer (the console shows warnings inside the streamed answer, so a benign one must not be).
/// </summary>
public sealed class NativeLogBridgeTests
{
    // llama.cpp's own text (src/llama-context.cpp), as the trial's Ctrl+C in the chat logged it.
    private const string MemoryRemoval = "decode: removing memory module entries for seq_id = 0, pos = [2698, +inf)\n";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_kv_cache_removal_after_a_stopped_decode_is_debug_not_a_warning(bool decodeCancelled)
    {
        var logger = new FakeLogger();

        LlamaNativeLibrary.Forward(logger, LLamaLogLevel.Warning, MemoryRemoval, loading: false, decodeCancelled);

        var record = Assert.Single(logger.Collector.GetSnapshot());
        Assert.Equal(LogLevel.Debug, record.Level);
        Assert.Equal("llama.cpp: decode: removing memory module entries for seq_id = 0, pos = [2698, +inf)", record.Message);
    }

    [Fact]
    public void The_native_library_in_use_still_logs_the_kv_cache_removal_in_the_words_the_bridge_matches()
    {
        // A llama.cpp upgrade that rewords the line would bring the warning back into the console's answers.
        var libraries = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "runtimes"), "libllama.so", SearchOption.AllDirectories);
        Assert.NotEmpty(libraries);
        foreach (var library in libraries)
        {
            var text = System.Text.Encoding.Latin1.GetString(File.ReadAllBytes(library));
            Assert.Contains($"%s: {LlamaNativeLibrary.MemoryRemoval} for seq_id = %d, pos = [%d, +inf)", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Other_warnings_stay_warnings_also_while_a_decode_is_cancelled()
    {
        var logger = new FakeLogger();

        LlamaNativeLibrary.Forward(logger, LLamaLogLevel.Warning, "llama_context: n_ctx_seq (256) < n_ctx_train (2048) -- the full capacity of the model will not be utilized\n", loading: false, decodeCancelled: true);

        Assert.Equal(LogLevel.Warning, Assert.Single(logger.Collector.GetSnapshot()).Level);
    }

    [Theory]
    [InlineData(true, LogLevel.Debug)] // the abort the caller asked for
    [InlineData(false, LogLevel.Error)] // a real failure
    public void A_failed_decode_is_an_error_unless_its_caller_cancelled_it(bool decodeCancelled, LogLevel expected)
    {
        var logger = new FakeLogger();

        LlamaNativeLibrary.Forward(logger, LLamaLogLevel.Error, "decode: failed to decode, ret = 2\n", loading: false, decodeCancelled);

        Assert.Equal(expected, Assert.Single(logger.Collector.GetSnapshot()).Level);
    }

    [Fact]
    public void A_logger_that_shows_warnings_only_gets_nothing_from_a_cancelled_answer()
    {
        using var provider = new FakeLoggerProvider();
        using var factory = LoggerFactory.Create(builder => builder.SetMinimumLevel(LogLevel.Warning).AddProvider(provider));
        var warnings = factory.CreateLogger("RagAssistant.LlamaCpp.Native");

        LlamaNativeLibrary.Forward(warnings, LLamaLogLevel.Error, "graph_compute: ggml_backend_sched_graph_compute_async failed with error -1\n", loading: false, decodeCancelled: true);
        LlamaNativeLibrary.Forward(warnings, LLamaLogLevel.Warning, MemoryRemoval, loading: false, decodeCancelled: true);

        Assert.Empty(provider.Collector.GetSnapshot());
    }
}
