using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RagAssistant.Hosting.Logging;

namespace RagAssistant.Console.Tests.Hosting;

/// <summary>Every log entry of the composed application has its control characters escaped: no raw ESC, no forged line.</summary>
public sealed class LogEscapingTests
{
    private const string HostileName = "evil\u001b[31m\u001b]0;pwned\u0007\nfail: Forged log line\r\u009b2J.txt";

    private static readonly Action<ILogger, string, Exception?> Skipped =
        LoggerMessage.Define<string>(LogLevel.Warning, new EventId(1), "Corpus: {Problem}");

    [Fact]
    public void The_message_values_and_exception_messages_are_escaped()
    {
        var provider = new RecordingProvider();
        using var services = Compose(provider);
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("RagAssistant.Core.Ingestion.CorpusLoader");

        Skipped(logger, $"{HostileName}: cannot be read; skipped", new IOException($"Could not find file '/corpus/{HostileName}'."));

        var entry = Assert.Single(provider.Entries);
        foreach (var text in new[] { entry.Message, entry.Exception!, string.Join(' ', entry.Values) })
        {
            Assert.DoesNotContain(text, c => c is '\u001b' or '\u0007' or '\r' or '\u009b');
        }

        Assert.DoesNotContain('\n', entry.Message);
        Assert.Equal("Corpus: evil\\u001b[31m\\u001b]0;pwned\\u0007\\nfail: Forged log line\\r\\u009b2J.txt: cannot be read; skipped", entry.Message);
        Assert.Contains("{OriginalFormat}=Corpus: {Problem}", entry.Values);
        Assert.StartsWith("System.IO.IOException: Could not find file '/corpus/evil\\u001b[31m", entry.Exception, StringComparison.Ordinal);
        Assert.DoesNotContain(entry.Exception!.Split('\n'), line => line.StartsWith("fail:", StringComparison.Ordinal));
    }

    [Fact]
    public void Entries_without_control_characters_pass_unchanged()
    {
        var provider = new RecordingProvider();
        using var services = Compose(provider);
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("test");

        Skipped(logger, "notes.md: read as Windows-1252", null);

        var entry = Assert.Single(provider.Entries);
        Assert.Equal("Corpus: notes.md: read as Windows-1252", entry.Message);
        Assert.NotEqual("EscapedState", entry.StateType);
    }

    [Fact]
    public void The_composition_registers_the_escaping_factory()
    {
        using var services = Compose(new RecordingProvider());

        Assert.IsType<ControlCharacterEscapingLoggerFactory>(services.GetRequiredService<ILoggerFactory>());
    }

    private static ServiceProvider Compose(RecordingProvider provider)
    {
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Trace).AddProvider(provider));
        services.AddRagAssistant(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["EmbeddingModel:Provider"] = "None" }).Build());
        return services.BuildServiceProvider();
    }

    private sealed record Entry(string Message, List<string> Values, string? Exception, string StateType);

    private sealed class RecordingProvider : ILoggerProvider
    {
        public ConcurrentQueue<Entry> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Recorder(Entries);

        public void Dispose()
        {
        }

        private sealed class Recorder(ConcurrentQueue<Entry> entries) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                entries.Enqueue(new Entry(
                    formatter(state, exception),
                    state is IReadOnlyList<KeyValuePair<string, object?>> values ? [.. values.Select(v => $"{v.Key}={v.Value}")] : [],
                    exception?.ToString(),
                    state!.GetType().Name));
        }
    }
}
