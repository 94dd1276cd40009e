using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RagAssistant.Console.Cli;

namespace RagAssistant.Console.Tests.Cli;

/// <summary>The console's log lines: a warning on one line as the console's own warnings are; --verbose's information as the simple formatter writes it.</summary>
public sealed class TerminalLogFormatterTests
{
    [Fact]
    public void A_logged_warning_is_one_line_worded_as_the_consoles_own_warnings()
    {
        var text = Format(LogLevel.Warning, "Embedding input of 812 tokens truncated to the model's 512 (the rest is not embedded): \"speculative...\"");

        Assert.Equal($"warning: Embedding input of 812 tokens truncated to the model's 512 (the rest is not embedded): \"speculative...\"{Environment.NewLine}", text);
    }

    [Fact]
    public void Information_keeps_its_category_above_the_message()
    {
        var text = Format(LogLevel.Information, "Embedded 16/312 passages");

        Assert.Equal($"info: RagAssistant.Onnx.Embeddings.ArcticEmbeddingGenerator[7]{Environment.NewLine}      Embedded 16/312 passages{Environment.NewLine}", text);
    }

    private static string Format(LogLevel level, string message)
    {
        using var writer = new StringWriter();
        var entry = new LogEntry<string>(level, "RagAssistant.Onnx.Embeddings.ArcticEmbeddingGenerator", new EventId(7), message, null, (state, _) => state);
        new TerminalLogFormatter().Write(entry, null, writer);
        return writer.ToString();
    }
}
