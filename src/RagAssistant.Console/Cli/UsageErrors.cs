using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.RegularExpressions;
using RagAssistant.Hosting;
using RagAssistant.Hosting.Models;

namespace RagAssistant.Console.Cli;

/// <summary>
/// Words System.CommandLine's parse errors for a person, for every command and option at once: an unknown option is
/// named as such (not the token after it, which the parser may report instead when it took the option for the
/// command's argument), a value that does not convert says what the option expects rather than a .NET type name, and
/// the closing line names the <c>--help</c> that lists the command's options (written after every usage error, the
/// parser's or a command's: <see cref="CliApplication"/>). A setting whose value does not
/// convert is worded the same way (<see cref="ValueExpectation.DescribeSettingConversion"/>).
/// </summary>
internal static partial class UsageErrors
{
    /// <summary>The error lines for <paramref name="parseResult"/>, and the line that says how to see the valid options; no lines when it parsed.</summary>
    /// <param name="parseResult">A parse of the command line.</param>
    /// <returns>The messages without the "error: " prefix, and the closing hint (its own line, no prefix).</returns>
    public static (IReadOnlyList<string> Errors, string Hint) Describe(ParseResult parseResult)
    {
        ArgumentNullException.ThrowIfNull(parseResult);
        var command = CommandPath(parseResult.CommandResult);
        var hint = $"Run `{ConsoleCommand.For(command.Length == 0 ? "--help" : $"{command} --help")}` to see the valid options.";
        // The parser reports an unknown option only where no argument can take it; otherwise it takes it as the
        // argument (a question, a model name) and blames a later token, or nothing. What it leaves unrecognised after
        // an unknown option follows from it, so the unknown options are all we say.
        var unknown = UnknownOptions(parseResult).ToList();
        if (unknown.Count > 0)
        {
            var where = command.Length == 0 ? string.Empty : $" for '{command}'";
            var options = OptionNames(parseResult.CommandResult).ToList();
            return ([.. unknown.Select(o => $"unknown option '{o}'{where}.{SpellingSuggestion.DidYouMean(o, options)}")], hint);
        }

        // A mistyped command ("asks"): the first token the parser could not place where a command was expected.
        if (UnknownCommand(parseResult) is { } typed)
        {
            var commands = parseResult.CommandResult.Command.Subcommands.Select(c => c.Name);
            var where = command.Length == 0 ? string.Empty : $" of '{command}'";
            return ([$"unknown command '{typed}'{where}.{SpellingSuggestion.DidYouMean(typed, commands)}"], hint);
        }

        // "ask what is lora": the question took its first word, and the parser blames the second.
        if (parseResult.UnmatchedTokens.Count > 0 &&
            parseResult.CommandResult.Children.OfType<ArgumentResult>().FirstOrDefault(a => a.Argument.Name == "question") is { Tokens: [var first, ..] })
        {
            var question = string.Join(' ', [first.Value, .. parseResult.UnmatchedTokens]);
            return ([$"the question is one argument: put it in quotes, e.g. {ConsoleCommand.For($"{command} \"{question}\"")}"], hint);
        }

        return ([.. parseResult.Errors.Select(Describe).Distinct(StringComparer.Ordinal)], hint);
    }

    /// <summary>
    /// The command line with the word <c>help</c>, typed where a command was expected (<c>help</c>, <c>help ask</c>,
    /// <c>models help</c>), as the <c>--help</c> option that shows that command's help (<c>ask --help</c>), as git and
    /// dotnet take it; null when there is none.
    /// </summary>
    /// <param name="parseResult">A parse of <paramref name="arguments"/>.</param>
    /// <param name="arguments">The command line that was parsed.</param>
    public static string[]? AsHelpRequest(ParseResult parseResult, IReadOnlyList<string> arguments)
    {
        ArgumentNullException.ThrowIfNull(parseResult);
        ArgumentNullException.ThrowIfNull(arguments);
        // Left unmatched: no argument took it ("ask help" asks about help).
        if (!parseResult.UnmatchedTokens.Contains("help"))
        {
            return null;
        }

        var at = arguments.ToList().IndexOf("help");
        return [.. arguments.Take(at), .. arguments.Skip(at + 1), "--help"]; // "help ask" is "ask --help"
    }

    private static string Describe(ParseError error)
    {
        var (name, type, tokens) = error.SymbolResult switch
        {
            OptionResult o => (o.Option.Name, o.Option.ValueType, o.Tokens),
            ArgumentResult { Parent: OptionResult o } a => (o.Option.Name, a.Argument.ValueType, a.Tokens),
            ArgumentResult a => ($"<{a.Argument.Name}>", a.Argument.ValueType, a.Tokens),
            _ => (null, null, null),
        };
        if (name is null || ValueExpectation.Of(type!) is not { } expected)
        {
            return error.Message;
        }

        return tokens!.FirstOrDefault(t => !Converts(t.Value, type!)) is { } bad
            ? $"{name} expects {expected}, got '{bad.Value}'."
            : error.Message;
    }

    private static bool Converts(string value, Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type.IsEnum)
        {
            return Enum.TryParse(type, value, ignoreCase: true, out _);
        }

        try
        {
            _ = Convert.ChangeType(value, type, CultureInfo.InvariantCulture);
            return true;
        }
        catch (Exception ex) when (ex is FormatException or OverflowException or InvalidCastException)
        {
            return false;
        }
    }

    // Tokens shaped like an option ("--bogus", "-x", "--bogus=1") that the parser did not match to one; after "--"
    // every token is a value. A question starting with "-" has spaces, "-" alone reads stdin, "-1" is a number.
    private static IEnumerable<string> UnknownOptions(ParseResult parseResult) =>
        parseResult.Tokens
            .TakeWhile(t => t.Type != TokenType.DoubleDash)
            .Where(t => t.Type == TokenType.Argument && OptionShape().IsMatch(t.Value))
            .Select(t => t.Value.Split('=', 2)[0])
            .Distinct(StringComparer.Ordinal);

    // The options valid where the command line stopped: the command's own, and the recursive ones of its parents.
    private static IEnumerable<string> OptionNames(CommandResult result)
    {
        for (SymbolResult? current = result; current is CommandResult command; current = command.Parent)
        {
            foreach (var option in command.Command.Options.Where(o => ReferenceEquals(command, result) || o.Recursive))
            {
                yield return option.Name;
                foreach (var alias in option.Aliases)
                {
                    yield return alias;
                }
            }
        }
    }

    // The first unmatched token, when the command takes subcommands and no argument of its own could have taken it.
    private static string? UnknownCommand(ParseResult parseResult)
    {
        var command = parseResult.CommandResult.Command;
        if (command.Subcommands.Count == 0 || command.Arguments.Count > 0)
        {
            return null;
        }

        return parseResult.UnmatchedTokens is [var token, ..] && !token.StartsWith('-') ? token : null;
    }

    // "ask", "models download": the command's path below the root.
    private static string CommandPath(CommandResult result)
    {
        var names = new List<string>();
        for (var current = result; current.Parent is CommandResult parent; current = parent)
        {
            names.Insert(0, current.Command.Name);
        }

        return string.Join(' ', names);
    }

    [GeneratedRegex("^--?[A-Za-z][A-Za-z0-9-]*(=.*)?$", RegexOptions.CultureInvariant)]
    private static partial Regex OptionShape();
}
