using System.Text;
using System.Text.RegularExpressions;

namespace RagAssistant.Console.Tests.EndToEnd;

/// <summary>A log line written while the spinner is shown, seen on a real pseudo-terminal: on a line of its own.</summary>
[Trait("Category", "EndToEnd")]
public sealed partial class LogLineTests : IDisposable
{
    private readonly TempFolder workingDirectory = new();

    public void Dispose() => workingDirectory.Dispose();

    [Fact]
    public async Task A_warning_during_the_spinner_gets_its_own_line_instead_of_overprinting_it()
    {
        // A context too small for the prompts: the pipeline warns (and answers retrieval-only) while the spinner turns.
        var environment = new Dictionary<string, string> { ["ChatModel__ContextSize"] = "256", ["EmbeddingModel__Provider"] = "None" };

        var result = await ConsoleProcess.RunInTerminalAsync(
            environment, workingDirectory.Path, [("Type a question", "speculative decoding"), ("retrieval-only: extracted", "/exit")], "--model", TestPaths.Stories);

        Assert.True(result.ExitCode == 0, result.Output);
        var screen = Screen(result.Raw);
        var warn = Assert.Single(screen, line => line.Contains("warning:", StringComparison.Ordinal));
        Assert.StartsWith("warning:", warn, StringComparison.Ordinal);
    }

    // The lines a terminal shows for this output: printable text overwrites at the cursor; \r, \n, erase-line (EL) and
    // cursor-up (CUU) move or clear; other escape sequences (colours, cursor visibility) change nothing on the lines.
    private static List<string> Screen(string raw)
    {
        var lines = new List<StringBuilder> { new() };
        int row = 0, column = 0;
        for (var i = 0; i < raw.Length; i++)
        {
            var c = raw[i];
            if (c == '\u001b' && EscapeSequence().Match(raw, i) is { Success: true, Index: var at } escape && at == i)
            {
                var command = escape.Groups["command"].Value;
                var argument = escape.Groups["argument"].Value;
                if (command == "K")
                {
                    var line = lines[row];
                    if (argument == "2")
                    {
                        line.Clear();
                    }
                    else if (column < line.Length)
                    {
                        line.Length = column;
                    }
                }
                else if (command == "A")
                {
                    row = Math.Max(0, row - (int.TryParse(argument, out var n) ? n : 1));
                }

                i += escape.Length - 1;
                continue;
            }

            switch (c)
            {
                case '\r':
                    column = 0;
                    break;
                case '\n':
                    row++;
                    column = 0;
                    if (row == lines.Count)
                    {
                        lines.Add(new StringBuilder());
                    }

                    break;
                default:
                    if (!char.IsControl(c))
                    {
                        var line = lines[row];
                        if (column < line.Length)
                        {
                            line[column] = c;
                        }
                        else
                        {
                            line.Append(' ', column - line.Length).Append(c);
                        }

                        column++;
                    }

                    break;
            }
        }

        return [.. lines.Select(l => l.ToString().TrimEnd())];
    }

    [GeneratedRegex(@"\u001b(?:\[(?<argument>[0-9;?]*)(?<command>[ -/]*[@-~])|\][^\u0007]*\u0007|[=>()][0-9A-Za-z]?)")]
    private static partial Regex EscapeSequence();
}
