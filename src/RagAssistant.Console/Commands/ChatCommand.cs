using Microsoft.Extensions.DependencyInjection;
using RagAssistant.Console.Chat;
using RagAssistant.Console.Cli;
using RagAssistant.Console.Rendering;
using RagAssistant.Core.Retrieval;
using RagAssistant.Hosting;
using RagAssistant.Hosting.Conversations;
using RagAssistant.Hosting.Models;
using RagAssistant.Hosting.Startup;
using Spectre.Console;

namespace RagAssistant.Console.Commands;

/// <summary>The interactive chat: what <c>ragassistant</c> runs with no command.</summary>
internal static class ChatCommand
{
    /// <summary>Runs the chat until the user leaves; returns the exit code.</summary>
    /// <param name="context">The terminal and the host factory.</param>
    /// <param name="overrides">The shared options given on the command line.</param>
    /// <param name="verbose">True to show informational logs on stderr.</param>
    /// <param name="resume">Which stored conversation to continue (<c>--continue</c>, <c>--conversation ID</c>); default starts a new one.</param>
    /// <param name="cancellationToken">Ends the chat.</param>
    public static async Task<int> RunAsync(CliContext context, CommandLineOverrides overrides, bool verbose, ChatResume resume, CancellationToken cancellationToken)
    {
        var terminal = context.Terminal;
        var host = await CommandHost.StartAsync(context, overrides, verbose, cancellationToken).ConfigureAwait(false);
        try
        {
            var runtime = await host.LoadModelsAsync(cancellationToken).ConfigureAwait(false);
            var readiness = host.Services.GetRequiredService<AssistantReadiness>();
            if (readiness.ChatModel is ChatModelState.Missing or ChatModelState.NotConfigured
                && await MissingChatModel.ResolveAsync(host.Services, readiness.ChatModelOffer, runtime, terminal, cancellationToken).ConfigureAwait(false) is { } fetched)
            {
                // The models load once per host: a fetched model needs a host of its own.
                await host.DisposeAsync().ConfigureAwait(false);
                host = await CommandHost.StartAsync(context, overrides with { ModelPath = fetched }, verbose, cancellationToken).ConfigureAwait(false);
                runtime = await host.LoadModelsAsync(cancellationToken).ConfigureAwait(false);
            }

            StartupView.WriteChatStart(terminal, await host.BuildIndexAsync(terminal, cancellationToken).ConfigureAwait(false), host.Services);
            ILineReader reader = terminal.IsInteractive ? new LineEditor(new SystemConsoleKeySource(), terminal.Controls) : new PlainLineReader(terminal.In, terminal.Out);
            var conversations = host.Services.GetService<ConversationService>();
            if (conversations is not null && !resume.Resumes)
            {
                try
                {
                    await conversations.Store.ListAsync(null, 1, null, cancellationToken).ConfigureAwait(false);
                }
                catch (ConversationStoreException ex) when (ex.Error == ConversationStoreError.Unavailable)
                {
                    // A store that cannot be opened must not take the answers with it: the chat answers, unsaved, and
                    // says so once (resuming a stored conversation still needs the store, and fails below).
                    terminal.Ui.MarkupLineInterpolated($"[yellow]warning: {TerminalTextGuard.OneLine(ex.Message)} This chat is not saved.[/]");
                    conversations = null;
                }
            }

            var session = new ChatSession(host.Assistant, runtime, terminal, reader, host.Services.GetService<ICorpusIndex>(), conversations, verbose);
            session.WriteBanner(host.Services.GetService<IPaperCatalog>()?.Count);
            try
            {
                if (resume.Resumes && !await session.ResumeAsync(resume.ConversationId, cancellationToken).ConfigureAwait(false) && resume.ConversationId is not null)
                {
                    return ExitCodes.BadUsage;
                }
            }
            catch (ConversationStoreException ex)
            {
                terminal.WriteError(ex.Message);
                return ExitCodes.Failure;
            }

            // The note on an unfinished semantic index, once: at the end of the session, or at the Ctrl+C that ends the
            // process (the runtime ends it then without running the finally below).
            var exitNote = new UnfinishedIndexNote(terminal, host.Services.GetService<ICorpusIndex>());

            // Ctrl+C stops the answer, not the process. At the prompt the first Ctrl+C warns and the second exits, counted
            // by the session with the prompt's own Ctrl+C keys: a terminal delivers a Ctrl+C as this signal until the
            // prompt's key read begins (pressed as the prompt appears), a pipe always.
            void OnCancelKeyPress(object? sender, ConsoleCancelEventArgs e)
            {
                switch (session.Interrupt())
                {
                    case ChatInterrupt.AnswerCancelled:
                        e.Cancel = true;
                        break;
                    case ChatInterrupt.Warned:
                        e.Cancel = true;
                        terminal.Error.WriteLine("(Ctrl+C again to exit)");
                        break;
                    default:
                        exitNote.WriteOnce();
                        break;
                }
            }

            System.Console.CancelKeyPress += OnCancelKeyPress;
            var statusBar = EmbeddingStatusBar.Start(host.Services.GetService<ICorpusIndex>(), terminal);
            try
            {
                return await session.RunAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                System.Console.CancelKeyPress -= OnCancelKeyPress;
                if (statusBar is not null)
                {
                    await statusBar.DisposeAsync().ConfigureAwait(false);
                }

                exitNote.WriteOnce();
            }
        }
        finally
        {
            await host.DisposeAsync().ConfigureAwait(false);
        }
    }
}

/// <summary>Which stored conversation the chat continues: <c>--continue</c> (the latest) or <c>--conversation ID</c>.</summary>
/// <param name="Latest">True for <c>--continue</c>.</param>
/// <param name="ConversationId">The id of <c>--conversation</c>, or null.</param>
internal readonly record struct ChatResume(bool Latest, string? ConversationId)
{
    /// <summary>Whether a stored conversation is continued at all.</summary>
    public bool Resumes => Latest || ConversationId is not null;
}

/// <summary>
/// First run without a chat model: use the default one if it was downloaded, else offer to fetch it. The offer is
/// the shared start-up's (<see cref="AssistantReadiness.ChatModelOffer"/>); the console asks, the service lists it.
/// </summary>
internal static class MissingChatModel
{
    /// <summary>Returns the path of a usable chat model, or null to continue in retrieval-only mode.</summary>
    /// <param name="services">The host's services (the model store and downloader).</param>
    /// <param name="offer">The default chat model of models/models.json, or null when the manifest offers none (or cannot be read).</param>
    /// <param name="runtime">What the assistant runs on; its notices may already say how to fetch the model.</param>
    /// <param name="terminal">Where to ask and report.</param>
    /// <param name="cancellationToken">Stops the prompt or the download.</param>
    public static async Task<string?> ResolveAsync(IServiceProvider services, ModelDownloadOffer? offer, AssistantRuntimeInfo runtime, Terminal terminal, CancellationToken cancellationToken)
    {
        var store = services.GetRequiredService<ModelStore>();
        if (offer is null)
        {
            terminal.Ui.MarkupLineInterpolated($"[yellow]No chat model, and the model list ({store.ManifestPath}) offers none that can be downloaded. Answers will be extracted, not generated.[/]");
            return null;
        }

        var model = offer.Model;
        var status = offer.Download;
        if (status.IsPresent)
        {
            return status.Path;
        }

        // The role, not the file's name: the same command the start-up notices, the README and the service show. The
        // banner's notices follow and may already say it: then it is not said here too.
        var later = ConsoleCommand.Download("chat");
        var noticesSayHow = runtime.Notices.Any(n => n.Contains(later, StringComparison.Ordinal));
        var fetchLater = noticesSayHow ? string.Empty : $" Fetch the model later with `{later}`.";
        if (!terminal.IsInteractive)
        {
            // No one to ask.
            if (!noticesSayHow)
            {
                HintLine.Write(terminal.Ui, $"No chat model: answers are extracted from the corpus, not generated. Fetch one with `{later}`.", new Style(Color.Yellow));
            }

            return null;
        }

        // Declined once, not asked again at every start: the choice is remembered in the models folder.
        var declined = new DeclinedDownload(store.Folder, model);
        if (declined.IsRemembered)
        {
            if (!noticesSayHow)
            {
                HintLine.Write(terminal.Ui, $"No chat model: answers are extracted from the corpus, not generated. Fetch one with `{later}`.", new Style(Color.Yellow));
            }

            return null;
        }

        bool download;
        try
        {
            download = await DownloadPrompt(offer).ShowAsync(new EndOfInputAwareConsole(terminal.Ui), cancellationToken).ConfigureAwait(false);
        }
        catch (EndOfStreamException)
        {
            // Ctrl+D: the user has nothing to say, which is not a yes.
            terminal.Ui.WriteLine();
            terminal.Ui.MarkupLine("End of input (Ctrl+D): taken as no, nothing is downloaded.");
            download = false;
        }

        if (!download)
        {
            var remembered = declined.TryRemember() ? $" Not asking again (delete {declined.Path} to be asked)." : string.Empty;
            HintLine.Write(terminal.Ui, $"Continuing in retrieval-only mode.{remembered}{fetchLater}");
            return null;
        }

        if (await ModelsCommand.TryDownloadAsync(terminal, store, services.GetRequiredService<ModelDownloader>(), model, cancellationToken).ConfigureAwait(false))
        {
            return store.GetPath(model);
        }

        HintLine.Write(terminal.Ui, $"Continuing in retrieval-only mode.{fetchLater}");
        return null;
    }

    /// <summary>
    /// The download question: the model, its size and licence, and the answer Enter gives as the capital of
    /// <c>[Y/n]</c>. Enter downloads when the size is known (the manifest pins it or gives an approximation); a
    /// download of unknown size is never the default.
    /// </summary>
    /// <param name="offer">The default chat model and what is in the models folder already.</param>
    internal static ConfirmationPrompt DownloadPrompt(ModelDownloadOffer offer)
    {
        ArgumentNullException.ThrowIfNull(offer);
        var model = offer.Model;
        var size = model.SizeBytes is { } bytes ? ModelsCommand.FormatSize(bytes) : model.ApproximateSizeMegabytes is { } mb ? $"about {mb} MB" : null;
        var resume = offer.Download.HasPartialDownload ? ", resuming the earlier download" : string.Empty;
        var choices = size is null ? "[[y/N]]" : "[[Y/n]]";
        var text = $"No chat model is installed. Download {Markup.Escape(model.Name)} ({size ?? "size unknown"}, {Markup.Escape(model.License ?? "licence unknown")}{resume}) now? {choices}";
        return new ConfirmationPrompt(text) { DefaultValue = size is not null, ShowChoices = false, ShowDefaultValue = false };
    }
}

/// <summary>
/// The console with its keys read through <see cref="EndOfInputAwareInput"/>, for a Spectre prompt, which otherwise
/// ignores Ctrl+D and waits on.
/// </summary>
/// <param name="inner">The console.</param>
internal sealed class EndOfInputAwareConsole(IAnsiConsole inner) : IAnsiConsole
{
    /// <inheritdoc/>
    public Profile Profile => inner.Profile;

    /// <inheritdoc/>
    public IAnsiConsoleCursor Cursor => inner.Cursor;

    /// <inheritdoc/>
    public IAnsiConsoleInput Input { get; } = new EndOfInputAwareInput(inner.Input);

    /// <inheritdoc/>
    public IExclusivityMode ExclusivityMode => inner.ExclusivityMode;

    /// <inheritdoc/>
    public Spectre.Console.Rendering.RenderPipeline Pipeline => inner.Pipeline;

    /// <inheritdoc/>
    public void Clear(bool home) => inner.Clear(home);

    /// <inheritdoc/>
    public void Write(Spectre.Console.Rendering.IRenderable renderable) => inner.Write(renderable);

    /// <inheritdoc/>
    public void WriteAnsi(Action<AnsiWriter> action) => inner.WriteAnsi(action);
}

/// <summary>Keys as the console reads them, except that Ctrl+D or the end of input throws <see cref="EndOfStreamException"/>.</summary>
/// <param name="inner">The console's input.</param>
internal sealed class EndOfInputAwareInput(IAnsiConsoleInput inner) : IAnsiConsoleInput
{
    /// <inheritdoc/>
    public bool IsKeyAvailable() => inner.IsKeyAvailable();

    /// <inheritdoc/>
    /// <exception cref="EndOfStreamException">Ctrl+D was pressed, or input ended.</exception>
    public ConsoleKeyInfo? ReadKey(bool intercept) => Checked(inner.ReadKey(intercept));

    /// <inheritdoc/>
    /// <exception cref="EndOfStreamException">Ctrl+D was pressed, or input ended.</exception>
    public async Task<ConsoleKeyInfo?> ReadKeyAsync(bool intercept, CancellationToken cancellationToken) =>
        Checked(await inner.ReadKeyAsync(intercept, cancellationToken).ConfigureAwait(false));

    private static ConsoleKeyInfo Checked(ConsoleKeyInfo? key) =>
        key is not { } pressed || pressed.KeyChar == '\u0004' || (pressed.Key == ConsoleKey.D && pressed.Modifiers.HasFlag(ConsoleModifiers.Control))
            ? throw new EndOfStreamException("End of input.")
            : pressed;
}

/// <summary>
/// The user's "no" to the download question, remembered in the models folder so the chat does not ask at every start:
/// a file that names the declined model. A different default model (models/models.json changed) is asked about again.
/// </summary>
/// <param name="folder">The models folder (<see cref="ModelStore.Folder"/>).</param>
/// <param name="model">The model offered.</param>
internal sealed class DeclinedDownload(string folder, ModelEntry model)
{
    /// <summary>The file that remembers the choice; deleting it brings the question back.</summary>
    public string Path { get; } = System.IO.Path.Combine(folder, ".download-declined");

    /// <summary>True when this model's download was declined before.</summary>
    public bool IsRemembered
    {
        get
        {
            try
            {
                return File.Exists(Path) && File.ReadAllLines(Path).Contains(model.Name, StringComparer.Ordinal);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return false;
            }
        }
    }

    /// <summary>Remembers the "no"; false when the folder cannot be written (the question then comes back next time).</summary>
    public bool TryRemember()
    {
        try
        {
            Directory.CreateDirectory(folder);
            File.AppendAllLines(Path, [model.Name]);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
