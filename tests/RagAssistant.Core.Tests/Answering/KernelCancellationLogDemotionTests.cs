using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using RagAssistant.Core.Answering;

namespace RagAssistant.Core.Tests.Answering;

/// <summary>Semantic Kernel logs a cancelled step as a failure; the kernel's logger factory files it at Debug, without the stack trace.</summary>
public sealed class KernelCancellationLogDemotionTests
{
    [Fact]
    public void A_cancelled_step_is_logged_at_debug_without_its_exception_and_a_real_failure_stays_an_error()
    {
        using var logs = new FakeLoggerProvider();
        using var factory = new LoggerFactory([logs], new LoggerFilterOptions { MinLevel = LogLevel.Trace });
        var logger = new KernelCancellationLogDemotion(factory).CreateLogger("answering-answer");

        // As SK's LogFunctionError writes them: the message and the exception it ended with.
        Log(logger, LogLevel.Error, "Function answering-answer failed. Error: The operation was canceled.", new TaskCanceledException("The operation was canceled."));
        Log(logger, LogLevel.Error, "Function answering-rewrite_follow_up failed.", new OperationCanceledException());
        Log(logger, LogLevel.Error, "Function answering-answer failed.", new InvalidOperationException("llama_decode failed"));
        Log(logger, LogLevel.Information, "Function answering-answer invoking.", null);

        var entries = logs.Collector.GetSnapshot();
        Assert.Equal([LogLevel.Debug, LogLevel.Debug, LogLevel.Error, LogLevel.Information], entries.Select(e => e.Level));
        Assert.Equal("Function answering-answer failed. Error: The operation was canceled.", entries[0].Message);
        Assert.Null(entries[0].Exception);
        Assert.Null(entries[1].Exception);
        Assert.IsType<InvalidOperationException>(entries[2].Exception);
    }

    private static void Log(ILogger logger, LogLevel level, string message, Exception? exception) =>
        logger.Log(level, default, message, exception, (text, _) => text);
}
