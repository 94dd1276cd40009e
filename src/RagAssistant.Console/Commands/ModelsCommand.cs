using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using RagAssistant.Console.Cli;
using RagAssistant.Console.Rendering;
using RagAssistant.Hosting;
using RagAssistant.Hosting.Models;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace RagAssistant.Console.Commands;

/// <summary><c>models list|download|verify</c>: the models named in models/models.json and the files on disk.</summary>
internal static class ModelsCommand
{
    /// <summary>The <c>models</c> command with its <c>list</c>, <c>download</c> and <c>verify</c> subcommands; <c>models</c> alone lists.</summary>
    public static Command Create(CliContext context)
    {
        var command = new Command("models", "List (the default), download and verify the models named in models/models.json.");
        var list = CreateList(context);
        command.Subcommands.Add(list);

        // "models" alone is the question "which models are there?": it lists, as "git remote" does, instead of failing.
        command.Action = list.Action;
        command.Subcommands.Add(CreateDownload(context));
        command.Subcommands.Add(CreateVerify(context));
        return command;
    }

    private static Command CreateList(CliContext context)
    {
        var command = new Command("list", "Show the known models and whether each is present.");
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            using var host = context.BuildHost(parseResult);
            var store = host.Services.GetRequiredService<ModelStore>();
            var statuses = await store.ListAsync(cancellationToken).ConfigureAwait(false);
            var rows = new List<(string Name, string Role, string Status, string Size, string Licence, string File)>();
            foreach (var status in statuses)
            {
                var state = status.IsPresent ? "[green]present[/]" : status.HasPartialDownload ? "[yellow]partial (resumable)[/]" : "[grey]missing[/]";
                var size = status.SizeOnDisk is { } bytes ? FormatSize(bytes)
                    : status.Model.SizeBytes is { } expected ? FormatSize(expected)
                    : status.Model.ApproximateSizeMegabytes is { } mb ? $"~{mb} MB" : "?";
                rows.Add((Markup.Escape(status.Model.Name), status.Model.Role, state, size, Markup.Escape(status.Model.License ?? "?"), status.Path));
            }

            // The models the assistant may run on besides the manifest's: the embedder that ships with it, and the files
            // given on this command line (a missing one stopped the command before this: it is a usage error).
            var configuration = host.Services.GetRequiredService<IConfiguration>();
            var bundled = BundledEmbedder.IsInUse(configuration) ? "[green]bundled, in use[/]" : "[grey]bundled[/]";
            rows.Add((BundledEmbedder.Name, "embedding", bundled, "-", BundledEmbedder.License, BundledEmbedder.Location));
            var second = BundledEmbedder.IsSecondInUse(configuration) ? "[green]bundled, in use[/]" : "[grey]bundled[/]";
            rows.Add((BundledEmbedder.SecondName, "embedding (second dense retriever)", second, "-", BundledEmbedder.SecondLicense, BundledEmbedder.SecondLocation));
            var problemsBelow = new List<string>();
            foreach (var (file, role, option) in new[] { (parseResult.GetValue(context.Globals.Model), "chat", "--model"), (parseResult.GetValue(context.Globals.EmbeddingModel), "embedding", "--embedding-model") })
            {
                if (file is not null)
                {
                    // The header check only (no hash): a file that is there but no GGUF model is not "in use".
                    file.Refresh();
                    var problems = file.Exists ? (await ModelFileVerifier.VerifyAsync(file.FullName, null, null, new ConsoleDownloadHint(), cancellationToken).ConfigureAwait(false)).Problems : [];
                    // The whole problem, with its fix, follows the table: in a cell it made the table hundreds of columns wide.
                    var state = !file.Exists ? $"[red]missing ({option})[/]"
                        : problems.Count > 0 ? $"[red]invalid ({option}), see below[/]"
                        : $"[green]present, in use ({option})[/]";
                    problemsBelow.AddRange(problems.Select(p => $"{file.Name} ({option}): {Terminal.ReadOn(p)}"));
                    rows.Add((Markup.Escape(file.Name), role, state, file.Exists ? FormatSize(file.Length) : "?", "?", file.FullName));
                }
            }

            WriteList(context.Terminal, rows);
            foreach (var problem in problemsBelow)
            {
                context.Terminal.Ui.MarkupLineInterpolated($"[red]{problem}[/]");
            }

            HintLine.Write(context.Terminal.Ui, $"Models folder: {TerminalTextGuard.OneLine(store.Folder)}. Fetch one with `{ConsoleCommand.Download("NAME")}`, where NAME is a name above, chat or embedding.", new Style(Color.Grey));
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>
    /// The models as a table, one row each, when the table fits the terminal with the files in it (a pipe is wide
    /// enough); on a narrower terminal (80 columns) the table leaves the files out, its names unbroken, and each file
    /// follows on a line of its own, whole, so a path is never broken into a column's width. Where even that table
    /// would have to break a word inside a cell ("missin/g" at 60 columns), each model is a few lines instead: its name,
    /// then its role, status, size and licence wrapped at spaces, then its file, whole.
    /// </summary>
    /// <param name="terminal">Where to write.</param>
    /// <param name="rows">The models: markup for the name, role, status, size and licence; the file as plain text.</param>
    internal static void WriteList(Terminal terminal, IReadOnlyList<(string Name, string Role, string Status, string Size, string Licence, string File)> rows)
    {
        Table Layout(bool withFiles, bool roleWordPerLine = false)
        {
            // Only the role ("embedding (second dense retriever)") wraps, at its spaces; the other cells are a word or two.
            var table = new Table().AddColumn(new TableColumn("name").NoWrap()).AddColumn("role")
                .AddColumns(new TableColumn("status").NoWrap(), new TableColumn("size").NoWrap(), new TableColumn("licence").NoWrap());
            if (withFiles)
            {
                table.AddColumn("file");
            }

            foreach (var row in rows)
            {
                var role = roleWordPerLine ? row.Role.Replace(' ', '\n') : row.Role;
                table.AddRow(withFiles ? [row.Name, role, row.Status, row.Size, row.Licence, Markup.Escape(row.File)] : [row.Name, role, row.Status, row.Size, row.Licence]);
            }

            return table;
        }

        var width = terminal.Ui.Profile.Width;
        var options = RenderOptions.Create(terminal.Ui);
        var full = Layout(withFiles: true);
        if (((IRenderable)full).Measure(options, int.MaxValue).Max <= width)
        {
            terminal.Ui.Write(full);
            return;
        }

        // The table with each role one word a line is as narrow as it gets without a broken word (the role wraps at
        // its spaces, no other column wraps); narrower, Spectre would break them (its own least width does not say so).
        if (((IRenderable)Layout(withFiles: false, roleWordPerLine: true)).Measure(options, int.MaxValue).Max > width)
        {
            foreach (var row in rows)
            {
                // "; " between the values: a status has a comma of its own ("bundled, in use").
                terminal.Ui.MarkupLine($"[bold]{row.Name}[/]");
                terminal.Ui.Write(new HangingIndent(string.Empty, 0, new Markup($"{row.Role}; {row.Status}; {row.Size}; {row.Licence}")));
                terminal.Out.WriteLine($"   {row.File}"); // as is: Spectre would break a path longer than the line
            }

            return;
        }

        terminal.Ui.Write(Layout(withFiles: false));
        terminal.Ui.MarkupLine("Files:");
        foreach (var row in rows)
        {
            terminal.Ui.MarkupLine($"  {row.Name}:");

            // Written as is, not through Spectre, which would break a path longer than the line at the width.
            terminal.Out.WriteLine($"    {row.File}");
        }
    }

    private static Command CreateDownload(CliContext context)
    {
        var models = new Argument<string[]>("model")
        {
            Description = "Model names or roles (chat, embedding); default: the default chat and embedding models.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var force = new Option<bool>("--force") { Description = "Download again even if the file is present." };
        var command = new Command("download", "Download models into the models folder (resumes an interrupted download).") { models, force };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            using var host = context.BuildHost(parseResult);
            var store = host.Services.GetRequiredService<ModelStore>();
            var downloader = host.Services.GetRequiredService<ModelDownloader>();
            var manifest = await store.LoadManifestAsync(cancellationToken).ConfigureAwait(false);
            var wanted = parseResult.GetValue(models) is { Length: > 0 } names ? names : ["chat", "embedding"];
            var failed = false;
            foreach (var name in wanted)
            {
                var model = manifest.Find(name);
                if (model is null)
                {
                    context.Terminal.WriteError($"no model named \"{name}\" in {store.ManifestPath}; `{ConsoleCommand.For("models list")}` shows the names.");
                    return ExitCodes.BadUsage;
                }

                if (store.Status(model).IsPresent && !parseResult.GetValue(force))
                {
                    context.Terminal.Ui.MarkupLineInterpolated($"{model.Name} is already present ({store.GetPath(model)}); `models verify` checks it.");
                    continue;
                }

                failed |= !await TryDownloadAsync(context.Terminal, store, downloader, model, cancellationToken).ConfigureAwait(false);
            }

            return failed ? ExitCodes.Failure : ExitCodes.Success;
        });
        return command;
    }

    private static Command CreateVerify(CliContext context)
    {
        var models = new Argument<string[]>("model")
        {
            Description = "Model names or roles to check; default: every model present, and --model / --embedding-model when given.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var command = new Command("verify", "Check size, GGUF header and sha256 (where known) of model files.") { models };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            using var host = context.BuildHost(parseResult);
            var store = host.Services.GetRequiredService<ModelStore>();
            var manifest = await store.LoadManifestAsync(cancellationToken).ConfigureAwait(false);
            var checks = new List<(string Label, string Path, long? Size, string? Sha256)>();
            var names = parseResult.GetValue(models) ?? [];
            foreach (var name in names)
            {
                var model = manifest.Find(name);
                if (model is null)
                {
                    context.Terminal.WriteError($"no model named \"{name}\" in {store.ManifestPath}.");
                    return ExitCodes.BadUsage;
                }

                checks.Add((model.Name, store.GetPath(model), model.SizeBytes, model.Sha256));
            }

            if (names.Length == 0)
            {
                checks.AddRange(manifest.Models.Select(store.Status).Where(s => s.IsPresent)
                    .Select(s => (s.Model.Name, s.Path, s.Model.SizeBytes, s.Model.Sha256)));
                foreach (var file in new[] { parseResult.GetValue(context.Globals.Model), parseResult.GetValue(context.Globals.EmbeddingModel) })
                {
                    if (file is not null)
                    {
                        checks.Add((file.Name, file.FullName, null, null));
                    }
                }
            }

            if (checks.Count == 0)
            {
                HintLine.Write(context.Terminal.Ui, $"No model files to verify. Fetch one with `{ConsoleCommand.Download("chat")}`.");
                return ExitCodes.Success;
            }

            var allValid = true;
            foreach (var (label, path, size, sha256) in checks)
            {
                var verification = await ModelFileVerifier.VerifyAsync(path, size, sha256, new ConsoleDownloadHint(), cancellationToken).ConfigureAwait(false);
                allValid &= verification.IsValid;
                if (verification.IsValid)
                {
                    var hash = verification.Sha256 is null ? "sha256 not pinned" : "sha256 ok";
                    context.Terminal.Ui.MarkupLineInterpolated(
                        $"[green]ok[/]      {label}: GGUF v{verification.Gguf?.Version}, {FormatSize(verification.SizeBytes)}, {hash} ({path})");
                }
                else
                {
                    context.Terminal.Ui.MarkupLineInterpolated($"[red]invalid[/] {label}: {string.Join("; ", verification.Problems)} ({path})");
                }
            }

            return allValid ? ExitCodes.Success : ExitCodes.Failure;
        });
        return command;
    }

    /// <summary>Downloads one model with a progress bar; reports a failure and returns false instead of throwing.</summary>
    internal static async Task<bool> TryDownloadAsync(Terminal terminal, ModelStore store, ModelDownloader downloader, ModelEntry model, CancellationToken cancellationToken)
    {
        try
        {
            var result = await DownloadProgressView.RunAsync(
                terminal, model, progress => downloader.DownloadAsync(model, store.Folder, progress, cancellationToken)).ConfigureAwait(false);
            var resumed = result.ResumedFromBytes > 0 ? $", resumed from {FormatSize(result.ResumedFromBytes)}" : string.Empty;
            terminal.Ui.MarkupLineInterpolated($"[green]Downloaded[/] {model.Name}: {result.Path} ({FormatSize(result.SizeBytes)}{resumed}), verified.");
            return true;
        }
        catch (ModelDownloadException ex)
        {
            terminal.WriteError(ex.Message);
            return false;
        }
        catch (HttpRequestException ex)
        {
            // Offline, DNS failure, refused connection.
            terminal.WriteError($"could not reach {model.Url.Host} ({ex.Message}). Check the connection and run `{ConsoleCommand.Download(model.DownloadArgument)}` again.");
            return false;
        }
    }

    /// <summary>"512 B", "1.5 KiB", "67.3 MiB", "0.46 GiB" (binary units).</summary>
    internal static string FormatSize(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.00} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.0} MiB",
        >= 1L << 10 => $"{bytes / 1024.0:0.0} KiB",
        _ => $"{bytes} B",
    };
}
