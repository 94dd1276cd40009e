using System.Text;
using Microsoft.Extensions.AI;

namespace RagAssistant.Bench.ModelRuntime;

/// <summary>Deterministic English-like prompts cut to an exact token budget with the model's own tokenizer.</summary>
internal static class BenchPrompt
{
    private static readonly string[] Words =
    [
        "the", "model", "answers", "questions", "about", "research", "papers", "using", "retrieved", "passages", "and",
        "cites", "each", "source", "it", "uses", "language", "learning", "data", "results", "method", "we", "show", "that",
        "a", "small", "network", "can", "match", "larger", "ones", "on", "several", "benchmarks", "while", "running", "locally",
    ];

    /// <summary>The longest text whose formatted prompt has at most <paramref name="targetTokens"/> tokens.</summary>
    public static string Build(Func<string, int> countPromptTokens, int targetTokens, int seed)
    {
        int low = 1;
        int high = targetTokens * 2;
        string best = Text(1, seed);
        while (low <= high)
        {
            int middle = (low + high) / 2;
            string candidate = Text(middle, seed);
            if (countPromptTokens(candidate) <= targetTokens)
            {
                best = candidate;
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        return best;
    }

    public static ChatMessage[] Messages(string text) => [new ChatMessage(ChatRole.User, text)];

    // Starts with a per-seed letter so that runs share no prompt prefix beyond the chat template's first tokens
    // (otherwise llama.cpp's KV cache reuse would skip part of the prompt being measured).
    private static string Text(int wordCount, int seed)
    {
        var random = new Random(seed);
        var builder = new StringBuilder().Append((char)('A' + (seed % 26))).Append(seed).Append(": ");
        for (int i = 0; i < wordCount; i++)
        {
            builder.Append(Words[random.Next(Words.Length)]).Append(i % 12 == 11 ? ". " : " ");
        }

        return builder.ToString().TrimEnd();
    }
}
