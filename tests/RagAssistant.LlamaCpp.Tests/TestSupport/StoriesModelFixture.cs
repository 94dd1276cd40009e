using Microsoft.Extensions.Options;
using RagAssistant.LlamaCpp.Chat;
using RagAssistant.LlamaCpp.Runtime;

namespace RagAssistant.LlamaCpp.Tests.TestSupport;

/// <summary>One stories260K chat client shared by a test class (loading is cheap, but contexts are not free).</summary>
public sealed class StoriesModelFixture : IDisposable
{
    private readonly Lazy<LlamaChatClient> _client = new(() => Create(slots: 1));

    public LlamaChatClient Client => _client.Value;

    public static LlamaChatClient Create(int slots, int contextSize = 512, int batchSize = 512) =>
        new(Options.Create(new LlamaChatClientOptions
        {
            ModelPath = TestPaths.Stories,
            ContextSize = contextSize,
            BatchSize = batchSize,
            Threads = 1,
            Slots = slots,
            MaxTokens = 50,
            Temperature = 0,
            RepeatPenalty = 1,
        }));

    public void Dispose()
    {
        if (_client.IsValueCreated)
        {
            _client.Value.Dispose();
        }
    }
}
