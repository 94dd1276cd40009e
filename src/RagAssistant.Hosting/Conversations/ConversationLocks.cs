namespace RagAssistant.Hosting.Conversations;

/// <summary>
/// One lock per conversation id in this process: a second turn to a conversation waits for the first. Entries live
/// only while someone holds or waits for them, so the table never grows with the number of conversations.
/// </summary>
internal sealed class ConversationLocks
{
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>Waits for the conversation's lock.</summary>
    /// <param name="id">The conversation.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The held lock; dispose it to release.</returns>
    public async Task<IAsyncDisposable> AcquireAsync(string id, CancellationToken cancellationToken)
    {
        Entry entry;
        lock (_entries)
        {
            if (!_entries.TryGetValue(id, out entry!))
            {
                entry = new Entry();
                _entries.Add(id, entry);
            }

            entry.Users++;
        }

        try
        {
            await entry.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Leave(id, entry);
            throw;
        }

        return new Held(this, id, entry);
    }

    private void Leave(string id, Entry entry)
    {
        lock (_entries)
        {
            if (--entry.Users == 0)
            {
                _entries.Remove(id);
                entry.Gate.Dispose();
            }
        }
    }

    private sealed class Entry
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public int Users { get; set; }
    }

    private sealed class Held(ConversationLocks owner, string id, Entry entry) : IAsyncDisposable
    {
        private int _released;

        public ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                entry.Gate.Release();
                owner.Leave(id, entry);
            }

            return ValueTask.CompletedTask;
        }
    }
}
