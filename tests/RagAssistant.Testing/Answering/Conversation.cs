using Microsoft.Extensions.AI;
using RagAssistant.Core.Answering;

namespace RagAssistant.Testing.Answering;

/// <summary>A conversation as the chat keeps it: each question asked with the earlier turns as its history, each answer's text the next turn.</summary>
public static class Conversation
{
    /// <summary>Asks <paramref name="questions"/> in turn through <paramref name="pipeline"/>.</summary>
    /// <param name="pipeline">The answer pipeline.</param>
    /// <param name="questions">The user's questions, in order.</param>
    /// <param name="cancellationToken">Cancels the answers.</param>
    /// <returns>One result per question, in order.</returns>
    public static async Task<List<AnswerResult>> AskAsync(IAnswerPipeline pipeline, IEnumerable<string> questions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentNullException.ThrowIfNull(questions);
        var history = new List<ChatMessage>();
        var results = new List<AnswerResult>();
        foreach (var question in questions)
        {
            var result = await pipeline.AnswerAsync(new AnswerRequest(question, [.. history]), cancellationToken);
            results.Add(result);
            history.Add(new(ChatRole.User, question));
            history.Add(new(ChatRole.Assistant, result.Answer));
        }

        return results;
    }
}
