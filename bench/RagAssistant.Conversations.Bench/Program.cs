using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Npgsql;
using RagAssistant.Hosting.Contract;
using RagAssistant.Hosting.Conversations;
using RagAssistant.Testing.Databases;

// Usage: RagAssistant.Conversations.Bench [--turns N] [--conversations N] [--json]
var turns = Option("--turns", 500);
var conversationCount = Option("--conversations", 10_000);
var json = args.Contains("--json");
var results = new List<ProviderResult>();

var folder = Directory.CreateTempSubdirectory("ragassistant-conversations-bench-");
try
{
    var options = new ConversationOptions { MaxConversations = conversationCount + 10, MaxTurnsPerConversation = turns + 100 };
    var sqlitePath = Path.Combine(folder.FullName, "conversations.db");
    await using (var sqlite = new SqliteConversationStore(sqlitePath, options))
    {
        results.Add(await MeasureAsync("SQLite (WAL, synchronous=FULL)", sqlite, sql => ExecuteSqliteAsync(sqlitePath, sql)));
    }

    string? why = null;
    await using var cluster = await PostgresCluster.TryStartAsync(r => why = r);
    if (cluster is null)
    {
        Console.Error.WriteLine($"PostgreSQL skipped: {why}");
    }
    else
    {
        var connection = await cluster.CreateDatabaseAsync();
        await using var postgres = new PostgresConversationStore(connection, options);
        results.Add(await MeasureAsync("PostgreSQL 15 (loopback, fsync off)", postgres, sql => ExecutePostgresAsync(connection, sql)));
    }
}
finally
{
    SqliteConnection.ClearAllPools();
    folder.Delete(recursive: true);
}

if (json)
{
    Console.WriteLine(JsonSerializer.Serialize(results, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }));
}
else
{
    Console.WriteLine($"{"store",-38}{"turn p50",10}{"turn p99",10}{"question p99",14}{"answer p99",12}{"list all",10}{"page p99",10}{"search",9}");
    foreach (var r in results)
    {
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{r.Store,-38}{r.TurnP50Ms,8:F2}ms{r.TurnP99Ms,8:F2}ms{r.QuestionP99Ms,12:F2}ms{r.AnswerP99Ms,10:F2}ms{r.ListAllMs,8:F0}ms{r.FirstPageP99Ms,8:F2}ms{r.TitleSearchMs,7:F1}ms"));
    }

    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{turns} turns (question stored, then a {AnswerJson.Length}-character answer object), {conversationCount} conversations listed in pages of 200; first page of 50 and a title search over all."));
}

return 0;

async Task<ProviderResult> MeasureAsync(string name, SqlConversationStore store, Func<string, Task> execute)
{
    await store.InitializeAsync();

    // Storing a turn: the question before generation, the answer object when it ends (each its own transaction).
    var id = (await store.CreateAsync("bench")).Id;
    var question = new List<double>();
    var answer = new List<double>();
    var total = new List<double>();
    for (var i = 0; i < turns + 20; i++)
    {
        var start = Stopwatch.GetTimestamp();
        var turn = await store.AddQuestionAsync(id, "How does speculative decoding trade draft quality for speed?");
        var asked = Stopwatch.GetTimestamp();
        await store.FinishTurnAsync(id, turn, new TurnOutcome(TurnStatus.Completed, AnswerJson, "Draft models propose tokens the target model verifies [1].", "speculative decoding draft quality speed"));
        var end = Stopwatch.GetTimestamp();
        if (i >= 20)
        {
            // The first turns warm the connection pool and the statement caches.
            question.Add(Stopwatch.GetElapsedTime(start, asked).TotalMilliseconds);
            answer.Add(Stopwatch.GetElapsedTime(asked, end).TotalMilliseconds);
            total.Add(Stopwatch.GetElapsedTime(start, end).TotalMilliseconds);
        }
    }

    // Listing: the conversations are inserted in one statement (setting up is not what is measured), then read.
    await execute(string.Create(
        CultureInfo.InvariantCulture,
        $"INSERT INTO conversations (id, title, created, updated, turn_count) SELECT printf('%032d', n), 'Conversation ' || n, n, n, 1 FROM (WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < {conversationCount - 1}) SELECT n FROM c) AS numbers"));
    var listStart = Stopwatch.GetTimestamp();
    var listed = 0;
    string? cursor = null;
    do
    {
        var page = await store.ListAsync(null, 200, cursor);
        listed += page.Conversations.Count;
        cursor = page.Next;
    }
    while (cursor is not null);

    var listAll = Stopwatch.GetElapsedTime(listStart).TotalMilliseconds;
    if (listed != conversationCount)
    {
        throw new InvalidOperationException($"listed {listed} of {conversationCount} conversations");
    }

    var firstPage = new List<double>();
    for (var i = 0; i < 100; i++)
    {
        var start = Stopwatch.GetTimestamp();
        await store.ListAsync(null, 50, null);
        firstPage.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
    }

    var searchStart = Stopwatch.GetTimestamp();
    await store.ListAsync("conversation 99", 50, null);
    var search = Stopwatch.GetElapsedTime(searchStart).TotalMilliseconds;
    return new ProviderResult(name, turns, Percentile(total, 0.50), Percentile(total, 0.99), Percentile(question, 0.99), Percentile(answer, 0.99), conversationCount, listAll, Percentile(firstPage, 0.99), search);
}

static async Task ExecuteSqliteAsync(string path, string sql)
{
    // SQLite has printf; PostgreSQL's spelling is rewritten below.
    await using var connection = new SqliteConnection($"Data Source={path}");
    await connection.OpenAsync();
    await using var command = connection.CreateCommand();
    command.CommandText = sql;
    await command.ExecuteNonQueryAsync();
}

static async Task ExecutePostgresAsync(string connectionString, string sql)
{
    await using var connection = new NpgsqlConnection(connectionString);
    await connection.OpenAsync();
    await using var command = new NpgsqlCommand(sql.Replace("printf('%032d', n)", "lpad(n::text, 32, '0')", StringComparison.Ordinal), connection);
    await command.ExecuteNonQueryAsync();
}

// Nearest-rank percentile of a sample, in milliseconds rounded to 0.01.
static double Percentile(List<double> sample, double p)
{
    var sorted = sample.Order().ToArray();
    return Math.Round(sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)], 2);
}

int Option(string name, int fallback)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
}

/// <summary>One store's figures.</summary>
internal sealed record ProviderResult(
    string Store, int Turns, double TurnP50Ms, double TurnP99Ms, double QuestionP99Ms, double AnswerP99Ms, int Conversations, double ListAllMs, double FirstPageP99Ms, double TitleSearchMs);

/// <summary>A realistic stored answer: five sources, two citations, usage and timings (about 2 KB).</summary>
internal static partial class Program
{
    private static readonly string AnswerJson = JsonSerializer.Serialize(new
    {
        conversation_id = "0190a1b2c3d4e5f60718293a4b5c6d7e",
        question = "How does speculative decoding trade draft quality for speed?",
        answer = string.Concat(Enumerable.Repeat("Draft models propose tokens the target model verifies in one pass [1]; acceptance falls as the draft diverges [2]. ", 4)),
        citations = new[] { new { n = 1, paper_id = "2402.01234", title = "Speculative Decoding at Scale" }, new { n = 2, paper_id = "2311.04321", title = "Draft Quality and Acceptance" } },
        sources = Enumerable.Range(1, 5).Select(n => new { n, paper_id = $"24{n:00}.0{n}234", title = $"A paper on decoding, number {n}", score = 0.03, relevance_score = 0.8, date = "Feb 22, 2024" }),
        invalid_citations = Array.Empty<int>(),
        refused = false,
        mode = "generated",
        finish_reason = "stop",
        usage = new { prompt_tokens = 1480, completion_tokens = 96, cached_prompt_tokens = 1200 },
        timings_ms = new { retrieval = 12.5, first_token = 180.2, generation = 2400.7, total = 2593.4 },
    });
}
