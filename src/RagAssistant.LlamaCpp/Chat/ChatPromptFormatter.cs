using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;
using RagAssistant.LlamaCpp.Runtime;

namespace RagAssistant.LlamaCpp.Chat;

/// <summary>A formatted prompt: its text, its tokens, and stop sequences the format needs.</summary>
internal sealed record FormattedPrompt(string Text, int[] Tokens, IReadOnlyList<string> StopSequences, bool UsedFallback);

/// <summary>
/// Turns chat messages into the model's prompt tokens with its chat template (LLamaSharp's <c>LLamaTemplate</c>),
/// the configured override, or, for models without a usable template, a plain "User:/Assistant:" transcript.
/// </summary>
/// <remarks>
/// Only the template's own markup may become control tokens. Message contents (questions, history, sources) are
/// tokenized as plain text, so text that spells a control token (<c>&lt;/s&gt;</c>, <c>&lt;|im_end|&gt;</c>) cannot
/// end a turn or forge a system turn. The template is rendered with a placeholder per message; the markup between
/// placeholders is split at the model's special-token texts, and everything else is tokenized without special parsing.
/// </remarks>
internal sealed partial class ChatPromptFormatter
{
    private static readonly string[] FallbackStops = ["\nUser:", "\nSystem:"];
    private readonly LlamaModel _model;
    private readonly string? _template;

    public ChatPromptFormatter(LlamaModel model, string? templateOverride)
    {
        _model = model;
        _template = templateOverride ?? model.Info.ChatTemplate;
        UsesFallback = _template is null || _model.ApplyChatTemplate([("user", "probe")], true, _template) is null;
    }

    /// <summary>True when the model has no usable template and the plain format is used.</summary>
    public bool UsesFallback { get; }

    /// <exception cref="ArgumentException">The conversation has no system, user or assistant message.</exception>
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

        if (!UsesFallback)
        {
            var placeholders = turns.Select((turn, i) => (turn.Role, Content: Placeholder(i))).ToList();
            if (_model.ApplyChatTemplate(placeholders, addAssistantPrefix: true, _template) is { } rendered)
            {
                return FromTemplate(rendered, turns);
            }
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
        var prompt = text.ToString();
        return new FormattedPrompt(prompt, _model.Tokenize(prompt, addSpecial: true, parseSpecial: false), FallbackStops, UsedFallback: true);
    }

    private FormattedPrompt FromTemplate(string rendered, List<(string Role, string Content)> turns)
    {
        var text = new StringBuilder();
        var tokens = new List<int>();
        var plain = new StringBuilder();
        var position = 0;
        foreach (Match match in PlaceholderPattern().Matches(rendered))
        {
            AppendMarkup(rendered[position..match.Index], plain, tokens, text);
            var content = turns[int.Parse(match.Groups[1].ValueSpan, CultureInfo.InvariantCulture)].Content;
            plain.Append(content);
            text.Append(content);
            position = match.Index + match.Length;
        }

        AppendMarkup(rendered[position..], plain, tokens, text);
        FlushPlain(plain, tokens);
        if (_model.AddsBos && _model.BosToken >= 0 && (tokens.Count == 0 || tokens[0] != _model.BosToken))
        {
            tokens.Insert(0, _model.BosToken);
        }

        return new FormattedPrompt(text.ToString(), [.. tokens], [], UsedFallback: false);
    }

    /// <summary>Template markup: its special-token texts become those tokens, the rest joins the plain text.</summary>
    private void AppendMarkup(string markup, StringBuilder plain, List<int> tokens, StringBuilder text)
    {
        text.Append(markup);
        var specials = _model.SpecialTexts;
        var i = 0;
        while (i < markup.Length)
        {
            var found = -1;
            foreach (var (special, token) in specials)
            {
                if (string.CompareOrdinal(markup, i, special, 0, special.Length) == 0)
                {
                    FlushPlain(plain, tokens);
                    tokens.Add(token);
                    found = special.Length;
                    break;
                }
            }

            if (found > 0)
            {
                i += found;
            }
            else
            {
                plain.Append(markup[i]);
                i++;
            }
        }
    }

    // One tokenize call per run between special tokens, as llama.cpp splits a prompt (SPM's space prefix follows it).
    private void FlushPlain(StringBuilder plain, List<int> tokens)
    {
        if (plain.Length == 0)
        {
            return;
        }

        tokens.AddRange(_model.Tokenize(plain.ToString(), addSpecial: false, parseSpecial: false));
        plain.Clear();
    }

    // Private-use characters: no template emits them, and no model tokenizes them into markup.
    private static string Placeholder(int index) => $"\uE000{index.ToString(CultureInfo.InvariantCulture)}\uE001";

    [GeneratedRegex("\uE000([0-9]+)\uE001")]
    private static partial Regex PlaceholderPattern();
}
