using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using RagAssistant.Core.Answering;

namespace RagAssistant.Core.Tests.Answering;

/// <summary>Semantic Kernel logs a cancelled step as a failure; the kernel's logger factory files it at Debug, without the stack trace, and a model server's failure at Debug.</summary>
public sealed class ReportedFailureLogDemotionTests
{
    [Fact]
    public void A_cancelled_step_is_logged_at_debug_without_its_exception_a_model_server_failure_at_debug_and_a_real_failure_stays_an_error()
    {
        using var logs = new FakeLoggerProvider();
        using var factory = new LoggerFactory([logs], new LoggerFilterOptions { MinLevel = LogLevel.Trace });
        var logger = new ReportedFailureLogDemotion(factory).CreateLogger("answering-answer");

        // As SK's LogFunctionError writes them: the message and the exception it ended with.
        Log(logger, LogLevel.Error, "Function answering-answer failed. Error: The operation was canceled.", new TaskCanceledException("The operation was canceled."));
        Log(logger, LogLevel.Error, "Function answering-rewrite_follow_up failed.", new OperationCanceledException());
        Log(logger, LogLevel.Error, "Function answering-answer failed.", new InvalidOperationException("llama_decode failed"));
        Log(logger, LogLevel.Information, "Function answering-answer invoking.", null);
        Log(logger, LogLevel.Error, "Function answering-answer failed.", new ModelServerException("the model server at http://127.0.0.1:1/v1 (ChatModel:Endpoint) answered HTTP 500: boom"));

        var entries = logs.Collector.GetSnapshot();
        Assert.Equal([LogLevel.Debug, LogLevel.Debug, LogLevel.Error, LogLevel.Information, LogLevel.Debug], entries.Select(e => e.Level));
        Assert.Equal("Function answering-answer failed. Error: The operation was canceled.", entries[0].Message);
        Assert.Null(entries[0].Exception);
        Assert.Null(entries[1].Exception);
        Assert.IsType<InvalidOperationException>(entries[2].Exception);

        // A model server's failure: the front end shows its one line; the trace stays for Debug.
        Assert.IsType<ModelServerException>(entries[4].Exception);
    }

    private static void Log(ILogger logger, LogLevel level, string message, Exception? exception) =>
        logger.Log(level, default, message, exception, (text, _) => text);
}
