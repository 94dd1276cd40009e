namespace RagAssistant.Console.Cli;

/// <summary>Process exit codes, documented in <c>--help</c> so scripts can tell the cases apart.</summary>
internal static class ExitCodes
{
    /// <summary>The command did what was asked.</summary>
    public const int Success = 0;

    /// <summary>
    /// Something went wrong while running (model file invalid, download failed, index broken), also when <c>index</c>
    /// could not embed the passages: it keeps the BM25 index, but a script must not take it for a finished one.
    /// </summary>
    public const int Failure = 1;

    /// <summary>The command line or the input was wrong (unknown option, empty or over-long question, a path given with --model, --embedding-model or --corpus that does not exist).</summary>
    public const int BadUsage = 2;

    /// <summary>The user pressed Ctrl+C (128 + SIGINT, as shells report it).</summary>
    public const int Cancelled = 130;

    /// <summary>The text appended to <c>--help</c>.</summary>
    public const string HelpText = "Exit codes: 0 success, 1 failure (bad model file, invalid setting, download or index error; also when 'index' could not embed: the BM25 index is kept), 2 bad usage or input (unknown option, empty or over-long question, a --model or --embedding-model file or --corpus folder that does not exist), 130 cancelled (Ctrl+C).";
}
