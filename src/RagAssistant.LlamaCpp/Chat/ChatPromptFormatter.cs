using System.Text;
using Microsoft.Extensions.AI;
using RagAssistant.LlamaCpp.Runtime;

namespace RagAssistant.LlamaCpp.Chat;

/// <summary>A formatted prompt, and stop sequences the format needs.</summary>
internal sealed record FormattedPrompt(string Text, IReadOnlyList<string> StopSequences, bool UsedFallback);

/// <summary>
/// Turns chat messages into the model's prompt with its chat template (through llama.cpp), the configured
/// override, or — for models without a template — a plain "User:/Assistant:" transcript.
/// </summary>
internal sealed class ChatPromptFormatter
{
    private static readonly string[] FallbackStops = ["\nUser:", "\nSystem:"];
    private readonly LlamaModel _model;
    private readonly string? _template;

    public ChatPromptFormatter(LlamaModel model, string? templateOverride)
    {
        _model = model;
        _template = templateOverride ?? model.Info.ChatTemplate;
    }

    /// <summary>True when the model has no usable template and the plain format is used.</summary>
    public bool UsesFallback => _template is null || _model.ApplyChatTemplate([("user", "probe")], true, _template) is null;

    public FormattedPrompt Format(IEnumerable<ChatMessage> messages)
    {
        var turns = messages
            .Where(m => m.Role == ChatRole.System || m.Role == ChatRole.User || m.Role == ChatRole.Assistant)
            .Select(m => (Role: m.Role.Value, Content: m.Text))
            .ToList();
        if (turns.Count == 0)
        {
            throw new ArgumentException("The conversation has no system, user or assistant message.", nameof(messages));
        }

        if (_template is not null && _model.ApplyChatTemplate(turns, addAssistantPrefix: true, _template) is { } prompt)
        {
            return new FormattedPrompt(prompt, [], UsedFallback: false);
        }

        var text = new StringBuilder();
        foreach (var (role, content) in turns)
        {
            var label = role switch
            {
                "system" => "System",
                "assistant" => "Assistant",
                _ => "User",
            };
            text.Append(label).Append(": ").Append(content.Trim()).Append("\n\n");
        }

        text.Append("Assistant:");
        return new FormattedPrompt(text.ToString(), FallbackStops, UsedFallback: true);
    }
}
