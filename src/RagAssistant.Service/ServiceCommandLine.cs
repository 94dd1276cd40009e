using RagAssistant.Hosting;

namespace RagAssistant.Service;

/// <summary>
/// Takes the assistant's own options (--model, --embedding-model, --corpus, --retrieval-only, --help) off the
/// command line and leaves the rest (--urls, --environment, Section:Key=value) to ASP.NET Core's configuration.
/// </summary>
/// <remarks>
/// They must be removed, not just read: ASP.NET Core would take "--retrieval-only --urls X" as the key
/// "retrieval-only" with the value "--urls".
/// </remarks>
internal sealed record ServiceCommandLine(CommandLineOverrides Overrides, IReadOnlyList<string> HostArguments, bool ShowHelp)
{
    public const string Usage = """
        RagAssistant service: HTTP API, OpenAI-compatible endpoint and web chat over the paper corpus.

        Usage: RagAssistant.Service [options]

          --urls URLS               Where to listen (default http://127.0.0.1:5080). Anything but loopback
                                    requires Service:ApiKey.
          --model FILE              Chat model (GGUF).
          --embedding-model FILE    Embedding model (GGUF); without one, retrieval is BM25 only.
          --corpus DIR              Corpus folder to index and watch.
          --retrieval-only          Answer with extracted sentences; load no chat model.
          --Section:Key=value       Any appsettings.json value, e.g. --Service:MaxConcurrentAnswers=2.
          -h, --help                Show this help.
        """;

    public static bool TryParse(IReadOnlyList<string> args, out ServiceCommandLine commandLine, out string? error)
    {
        string? model = null, embeddingModel = null, corpus = null;
        bool retrievalOnly = false, help = false;
        var rest = new List<string>();
        error = null;

        for (var i = 0; i < args.Count && error is null; i++)
        {
            var (name, inlineValue) = Split(args[i]);
            switch (name)
            {
                case "--model":
                    model = TakeValue(args, ref i, name, inlineValue, out error);
                    break;
                case "--embedding-model":
                    embeddingModel = TakeValue(args, ref i, name, inlineValue, out error);
                    break;
                case "--corpus":
                    corpus = TakeValue(args, ref i, name, inlineValue, out error);
                    break;
                case "--retrieval-only":
                    retrievalOnly = inlineValue is null || bool.TryParse(inlineValue, out var on) && on;
                    break;
                case "--help" or "-h" or "-?":
                    help = true;
                    break;
                default:
                    rest.Add(args[i]);
                    break;
            }
        }

        commandLine = new ServiceCommandLine(new CommandLineOverrides(model, embeddingModel, corpus, retrievalOnly), rest, help);
        return error is null;
    }

    private static (string Name, string? InlineValue) Split(string arg)
    {
        var equals = arg.IndexOf('=', StringComparison.Ordinal);
        return arg.StartsWith('-') && equals > 0 ? (arg[..equals], arg[(equals + 1)..]) : (arg, null);
    }

    private static string? TakeValue(IReadOnlyList<string> args, ref int i, string name, string? inlineValue, out string? error)
    {
        error = null;
        if (inlineValue is not null)
        {
            return inlineValue;
        }

        if (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
        {
            return args[++i];
        }

        error = $"{name} needs a value, e.g. {name} PATH. Run with --help for all options.";
        return null;
    }
}
