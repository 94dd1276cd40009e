using Microsoft.Extensions.AI;
using RagAssistant.Core;
using RagAssistant.LlamaCpp.Chat;

namespace RagAssistant.Hosting.Composition;

/// <summary>Core's view of the chat model's tokenizer and context size, backed by the loaded llama.cpp model.</summary>
internal sealed class LlamaChatTokenizer(LlamaChatClient client) : ITokenizer
{
    public int? ContextSize => client.ContextSize;

    public int CountTokens(string text) => client.Model.CountTokens(text);

    // Exact: the prompt as the chat client will format and tokenize it (template, role markers, BOS).
    public int? CountPromptTokens(IReadOnlyList<ChatMessage> messages) => client.CountPromptTokens(messages);
}
