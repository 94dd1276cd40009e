using System.Net;
using System.Net.Http.Json;
using RagAssistant.Service.Tests.Infrastructure;

namespace RagAssistant.Service.Tests.EndToEnd;

/// <summary>Starting and stopping the real process: refusal to start exposed, clean exit on SIGTERM.</summary>
[Trait("Category", "EndToEnd")]
public sealed class ServiceLifecycleTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // Another program listening on a loopback port, as when a second service is started on a busy port.
    private static System.Net.Sockets.TcpListener HoldAPort(out int port)
    {
        var holder = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        port = ((IPEndPoint)holder.LocalEndpoint).Port;
        return holder;
    }


    [Theory]
    [InlineData("no API key is set", "--urls", "http://0.0.0.0:0")]
    [InlineData("MaxConcurrentAnswers", "--Service:MaxConcurrentAnswers=0")]
    [InlineData("MaxAnswerTokens", "--Answering:MaxAnswerTokens=1")]
    [InlineData("TopK", "--Retrieval:TopK=0")]
    [InlineData("Folder", "--Corpus:Folder=")]
    [InlineData("Service:MaxRequestBodyBytes must be between 1024 and 16777216, got -1.", "--Service:MaxRequestBodyBytes=-1")]
    [InlineData("Service:ShutdownTimeout must be between 00:00:00 and 00:10:00, got -00:00:30.", "--Service:ShutdownTimeout=-00:00:30")]
    [InlineData("Service:AllowedHosts holds 'https://assistant.example.org/', which is not a host name", "--Service:AllowedHosts=https://assistant.example.org/")]
    public async Task An_invalid_configuration_exits_1_with_only_the_message_naming_it(string named, params string[] settings)
    {
        ServiceProcess.SkipWithoutBuild();
        await using var process = ServiceProcess.Start(["--retrieval-only", "--Service:WatchCorpus=false", .. settings]);

        Assert.True(await process.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the service must refuse to start");
        Assert.Equal(1, process.ExitCode);
        var output = process.Output.Trim();
        Assert.StartsWith("The service cannot start: ", output, StringComparison.Ordinal);
        Assert.Contains(named, output, StringComparison.Ordinal);
        Assert.DoesNotContain("Hosting failed to start", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        Assert.Single(output.Split('\n'));
    }

    [Theory]
    [InlineData("Retrieval:SecondDenseWeight expects a number, got 'abc'.", "--Retrieval:SecondDenseWeight=abc")]
    [InlineData("Retrieval:TopK expects a whole number, got 'abc'.", "--Retrieval:TopK=abc")]
    [InlineData("Answering:MinRelevance expects a number, got 'abc'.", "--Answering:MinRelevance=abc")]
    [InlineData("Service:MaxRequestBodyBytes expects a whole number, got 'abc'.", "--Service:MaxRequestBodyBytes=abc")]
    [InlineData("Service:WatchCorpus expects true or false, got 'maybe'.", "--Service:WatchCorpus=maybe")]
    [InlineData("Service:AnswerTimeout expects a time span such as 00:02:00, got 'banana'.", "--Service:AnswerTimeout=banana")]
    [InlineData("Service:ShutdownTimeout expects a time span such as 00:02:00, got 'banana'.", "--Service:ShutdownTimeout=banana")]
    [InlineData("Service:ReindexDelay expects a time span such as 00:02:00, got '5 seconds'.", "--Service:ReindexDelay", "5 seconds")]
    [InlineData("Retrieval:TopK expects a whole number, got '2.5'.", "--Retrieval:TopK", "2.5")]
    public async Task A_setting_that_does_not_convert_exits_1_with_one_line_saying_what_it_expects(string message, params string[] settings)
    {
        ServiceProcess.SkipWithoutBuild();
        await using var process = ServiceProcess.Start(["--retrieval-only", .. settings]);

        await AssertRefusedWithOneLineAsync(process, message);
    }

    [Fact]
    public async Task A_setting_from_the_environment_that_does_not_convert_exits_1_with_one_line()
    {
        ServiceProcess.SkipWithoutBuild();
        await using var process = ServiceProcess.StartWithEnvironment(new Dictionary<string, string> { ["Retrieval__TopK"] = "abc" }, "--retrieval-only", "--Service:WatchCorpus=false");

        await AssertRefusedWithOneLineAsync(process, "Retrieval:TopK expects a whole number, got 'abc'.");
    }

    private static async Task AssertRefusedWithOneLineAsync(ServiceProcess process, string message)
    {
        Assert.True(await process.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the service must refuse to start");
        var output = process.Output.Trim();
        Assert.Equal($"The service cannot start: {message}", output);
        Assert.Equal(1, process.ExitCode);
        Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{ \"Retrieval\": { \"TopK\": 5, }", "line 1, character 30")]
    [InlineData("{\n  \"Retrieval\": {\n    \"TopK\": 5\n  },\n  \"Corpus\": [\n}\n", "line 6, character 1")]
    [InlineData("{ \"Retrieval\": { \"TopK\": five } }", "line 1, character 27")]
    public async Task A_malformed_appsettings_json_exits_1_with_one_line_naming_the_file_and_where_it_breaks(string json, string position)
    {
        ServiceProcess.SkipWithoutBuild();
        using var folder = new TempFolder();
        folder.Write("appsettings.json", json);
        await using var process = ServiceProcess.StartIn(folder.Path, "--retrieval-only");

        Assert.True(await process.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the service must refuse to start");
        var output = process.Output.Trim();
        Assert.Equal(1, process.ExitCode);
        Assert.StartsWith($"The service cannot start: Failed to load configuration from file '{Path.Combine(folder.Path, "appsettings.json")}': ", output, StringComparison.Ordinal);
        Assert.Contains($", at {position}.", output, StringComparison.Ordinal);
        Assert.Single(output.Split('\n'));
        Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_https_address_without_a_certificate_exits_1_with_one_line_saying_how_to_give_one()
    {
        ServiceProcess.SkipWithoutBuild();

        // A HOME of its own: no development certificate, as on a server.
        using var home = new TempFolder();
        await using var process = ServiceProcess.StartWithEnvironment(
            new Dictionary<string, string> { ["HOME"] = home.Path },
            "--urls", "https://127.0.0.1:0", "--retrieval-only", "--EmbeddingModel:Provider=None", "--Service:WatchCorpus=false");

        Assert.True(await process.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the service must refuse to start");
        Assert.Equal(1, process.ExitCode);
        var refusal = Assert.Single(process.Output.Split('\n'), line => line.StartsWith("The service cannot start: ", StringComparison.Ordinal));
        Assert.Contains("needs a server certificate", refusal, StringComparison.Ordinal);
        Assert.Contains("Kestrel:Certificates:Default", refusal, StringComparison.Ordinal);
        Assert.Contains("--urls http://127.0.0.1:PORT", refusal, StringComparison.Ordinal);
        Assert.DoesNotContain("Hosting failed to start", process.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", process.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", process.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("unknown setting Retrieval:TopKK on the command line: no part of the assistant reads it. Did you mean Retrieval:TopK?", "--Retrieval:TopKK", "3")]
    [InlineData("unknown setting Service:MaxConcurentAnswers on the command line: no part of the assistant reads it. Did you mean Service:MaxConcurrentAnswers?", "--Service:MaxConcurentAnswers=2")]
    [InlineData("unknown setting Bogus:Key on the command line: no part of the assistant reads it.", "--Bogus:Key=1")]
    [InlineData("unknown option --bogus: see --help for the options; a setting is written --Section:Key=value (e.g. --Retrieval:TopK=3).", "--bogus")]
    public async Task An_unknown_setting_exits_2_saying_the_service_cannot_start_with_the_consoles_message(string message, params string[] settings)
    {
        ServiceProcess.SkipWithoutBuild();

        // Beside settings the service and its web host read (--urls from ServiceProcess, --environment, Service:, Kestrel:).
        await using var process = ServiceProcess.Start(["--retrieval-only", "--environment", "Production", "--Service:WatchCorpus=false", "--Kestrel:AddServerHeader=false", .. settings]);

        Assert.True(await process.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the service must refuse to start");
        Assert.Equal(2, process.ExitCode);
        Assert.Equal($"The service cannot start: {message}", process.Output.Trim());
    }

    [Fact]
    public async Task Started_outside_the_repository_root_the_service_reads_the_shared_settings()
    {
        // `dotnet run --project src/RagAssistant.Service` starts in the shell's folder, which may have no appsettings.json.
        ServiceProcess.SkipWithoutBuild();
        using var folder = new TempFolder();
        await using var process = ServiceProcess.StartIn(folder.Path, "--EmbeddingModel:Provider=None", "--Service:WatchCorpus=false");
        await process.WaitUntilReadyAsync(TimeSpan.FromSeconds(90), Ct);
        using var client = new HttpClient { BaseAddress = process.Address };

        var status = System.Text.Json.JsonDocument.Parse(await client.GetStringAsync(new Uri("/api/status", UriKind.Relative), Ct)).RootElement;

        // appsettings.json names the default chat model; without it the notice would say none is configured.
        var notices = status.GetProperty("model").GetProperty("notices").EnumerateArray().Select(n => n.GetString()!).ToList();
        Assert.DoesNotContain(notices, n => n.Contains("No chat model configured", StringComparison.Ordinal));
        Assert.Contains(notices, n => n.Contains("qwen2.5-0.5b-instruct", StringComparison.OrdinalIgnoreCase));

        // The checkout's corpus and models folder, not the copies the build puts beside the program.
        Assert.Equal(Path.Combine(TestPaths.RepositoryRoot, "data", "papers"), status.GetProperty("corpus").GetProperty("folder").GetString());
        Assert.Contains(notices, n => n.Contains(Path.Combine(TestPaths.RepositoryRoot, "models", "qwen2.5-0.5b-instruct"), StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Status_names_a_download_command_that_works_without_the_repository()
    {
        ServiceProcess.SkipWithoutBuild();
        await using var process = ServiceProcess.Start("--ChatModel:ModelPath=models/not-downloaded-chat.gguf", "--EmbeddingModel:Provider=Gguf", "--EmbeddingModel:ModelPath=models/not-downloaded-embedder.gguf", "--Service:WatchCorpus=false");
        await process.WaitUntilReadyAsync(TimeSpan.FromSeconds(90), Ct);
        using var client = new HttpClient { BaseAddress = process.Address };

        var status = System.Text.Json.JsonDocument.Parse(await client.GetStringAsync(new Uri("/api/status", UriKind.Relative), Ct)).RootElement;

        var notices = status.GetProperty("model").GetProperty("notices").EnumerateArray().Select(n => n.GetString()!).ToList();
        var chat = Path.Combine(TestPaths.RepositoryRoot, "models", "not-downloaded-chat.gguf");
        var embedder = Path.Combine(TestPaths.RepositoryRoot, "models", "not-downloaded-embedder.gguf");

        // A service user may have no console session or checkout: each notice names the command line that saves the
        // default model where the service looks, then a restart, and the model-server way for the chat model.
        Assert.Contains(notices, n => n.Contains($"`curl -L --create-dirs -o {chat} https://", StringComparison.Ordinal) && n.Contains("ChatModel:Provider to OpenAICompatible", StringComparison.Ordinal) && n.Contains("then restart", StringComparison.Ordinal));
        Assert.Contains(notices, n => n.Contains($"`curl -L --create-dirs -o {embedder} https://", StringComparison.Ordinal));
        Assert.DoesNotContain(notices, n => n.Contains("dotnet run", StringComparison.Ordinal));
        Assert.Equal("missing", status.GetProperty("model").GetProperty("chat_model_state").GetString());
        Assert.Equal(chat, status.GetProperty("model").GetProperty("missing_chat_model").GetString());
    }

    [Fact]
    public async Task A_missing_model_named_on_the_command_line_exits_with_a_clear_message()
    {
        ServiceProcess.SkipWithoutBuild();
        await using var process = ServiceProcess.Start("--model", "/nonexistent/model.gguf");

        Assert.True(await process.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the service must refuse to start");
        Assert.Equal(1, process.ExitCode);
        Assert.Contains("/nonexistent/model.gguf", process.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Under_dotnet_run_a_relative_model_path_is_resolved_against_the_shell_folder()
    {
        // The Web SDK would start `dotnet run` in the project folder; the user typed the path relative to their shell's.
        ServiceProcess.SkipWithoutBuild();
        using var folder = new TempFolder();
        var shell = Directory.CreateDirectory(Path.Combine(folder.Path, "shell")).FullName;
        await using var process = ServiceProcess.RunFrom(shell, "--model", "../models/missing.gguf");

        Assert.True(await process.WaitForExitAsync(TimeSpan.FromSeconds(90)), "the service must refuse to start");
        Assert.Equal(1, process.ExitCode);
        Assert.Contains($"The chat model file {Path.Combine(folder.Path, "models", "missing.gguf")} (from --model) does not exist.", process.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Under_dotnet_run_a_relative_corpus_is_resolved_against_the_shell_folder_and_the_web_chat_is_served()
    {
        ServiceProcess.SkipWithoutBuild();
        using var folder = new TempFolder();
        var shell = Directory.CreateDirectory(Path.Combine(folder.Path, "shell")).FullName;
        folder.Write(Path.Combine("corpus", "notes.md"), "# Speculative decoding\n\nA small draft model proposes tokens that a large model verifies.\n");
        await using var process = ServiceProcess.RunFrom(shell, "--corpus", "../corpus", "--retrieval-only", "--EmbeddingModel:Provider=None", "--Service:WatchCorpus=false");
        await process.WaitUntilReadyAsync(TimeSpan.FromSeconds(90), Ct);
        using var client = new HttpClient { BaseAddress = process.Address };

        var status = System.Text.Json.JsonDocument.Parse(await client.GetStringAsync(new Uri("/api/status", UriKind.Relative), Ct)).RootElement;
        using var page = await client.GetAsync(new Uri("/", UriKind.Relative), Ct);

        Assert.Equal(Path.Combine(folder.Path, "corpus"), status.GetProperty("corpus").GetProperty("folder").GetString());

        // The shell's folder has no wwwroot: the page comes through the build's static web assets manifest.
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync(Ct);
        Assert.Contains("<html", html, StringComparison.OrdinalIgnoreCase);

        // Its icon is served with it (a browser asks for /favicon.ico, a 404, without the link).
        Assert.Contains("<link rel=\"icon\" href=\"favicon.svg\"", html, StringComparison.Ordinal);
        using var icon = await client.GetAsync(new Uri("/favicon.svg", UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.OK, icon.StatusCode);
        Assert.Equal("image/svg+xml", icon.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("--model")]
    [InlineData("--embedding-model")]
    public async Task A_model_file_that_is_not_GGUF_makes_questions_503_with_the_load_error_not_500(string option)
    {
        ServiceProcess.SkipWithoutBuild();
        using var folder = new TempFolder();
        var notGguf = Path.Combine(folder.Path, "notgguf.gguf");
        await File.WriteAllTextAsync(notGguf, "this is a text file, not a GGUF model", Ct);
        string[] chat = option == "--model" ? [] : ["--retrieval-only"];
        await using var process = ServiceProcess.Start([option, notGguf, .. chat, "--Service:WatchCorpus=false"]);
        using var client = new HttpClient { BaseAddress = process.Address, Timeout = TimeSpan.FromSeconds(30) };

        // Start-up loads the model once in the background; /health/ready then names the failure.
        var deadline = DateTime.UtcNow.AddSeconds(90);
        var ready = "";
        while (DateTime.UtcNow < deadline && !ready.Contains("Loading the models failed", StringComparison.Ordinal))
        {
            Assert.False(process.HasExited, process.Output);
            try
            {
                using var response = await client.GetAsync(new Uri("/health/ready", UriKind.Relative), Ct);
                ready = await response.Content.ReadAsStringAsync(Ct);
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(100, Ct);
        }

        Assert.Contains(notGguf, ready, StringComparison.Ordinal);

        // Every question, not only the first: dependency injection would load the file again for each one.
        foreach (var attempt in Enumerable.Range(0, 2))
        {
            using var ask = await client.PostStreamingAsync("/api/ask", new { question = "What is LR annealing?" }, Ct, accept: "application/json");
            using var completion = await client.PostAsJsonAsync("/v1/chat/completions", new { messages = new[] { new { role = "user", content = "What is LR annealing?" } } }, Ct);

            foreach (var response in new[] { ask, completion })
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);

                // Retrying cannot help until the file is fixed and the service restarted, so no Retry-After.
                Assert.Null(response.Headers.RetryAfter);

                // /v1 says it in OpenAI's error shape, /api as a problem.
                string? detail;
                if (response == completion)
                {
                    detail = (await response.ReadOpenAiErrorAsync(Ct)).GetProperty("message").GetString();
                }
                else
                {
                    var problem = await response.ReadProblemAsync(Ct);
                    Assert.Equal("The assistant is not ready.", problem.GetProperty("title").GetString());
                    detail = problem.GetProperty("detail").GetString();
                }

                Assert.Contains("Loading the models failed", detail, StringComparison.Ordinal);
                Assert.Contains(notGguf, detail, StringComparison.Ordinal);
                Assert.Contains("Fix:", detail, StringComparison.Ordinal);
            }
        }

        // The log says it once, what and how to fix, without a stack trace burying it.
        Assert.Contains("Loading the models failed; the assistant is not ready: ", process.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", process.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://localhost:abc", "its port 'abc' is not a number from 0 to 65535")]
    [InlineData("http://127.0.0.1:99999", "its port '99999' is not a number from 0 to 65535")]
    [InlineData("notaurl", "it needs a scheme, http:// or https://")]
    public async Task A_listen_address_kestrel_would_misread_stops_the_service_with_one_line(string url, string problem)
    {
        // "http://localhost:abc" was read by Kestrel as every interface on port 80, trusted as loopback: no API key asked.
        ServiceProcess.SkipWithoutBuild();
        await using var process = ServiceProcess.Start("--urls", url, "--retrieval-only", "--EmbeddingModel:Provider=None", "--Service:WatchCorpus=false");

        Assert.True(await process.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the service must refuse to start");
        Assert.Equal(1, process.ExitCode);
        Assert.Contains($"The service cannot start: The listen address '{url}' (--urls) is not one to listen on: {problem}. Use http://HOST:PORT, e.g. --urls http://127.0.0.1:5080.", process.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Now listening", process.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", process.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_conversation_store_that_cannot_be_created_stops_the_service_with_one_line_and_no_stack_trace()
    {
        ServiceProcess.SkipWithoutBuild();
        await using var process = ServiceProcess.StartWithEnvironment(
            new Dictionary<string, string> { ["ConnectionStrings__Conversations"] = "Data Source=/proc/nope/c.db" },
            "--retrieval-only", "--EmbeddingModel:Provider=None", "--Service:WatchCorpus=false");

        Assert.True(await process.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the service must refuse to start");
        Assert.Equal(1, process.ExitCode);
        Assert.Contains("The service cannot start: The conversation store /proc/nope/c.db cannot be created: ", process.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("..", process.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", process.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_port_another_program_holds_exits_1_with_a_message_not_a_crash()
    {
        ServiceProcess.SkipWithoutBuild();
        using var holder = HoldAPort(out var port);
        await using var process = ServiceProcess.Start(port, "--retrieval-only", "--EmbeddingModel:Provider=None", "--Service:WatchCorpus=false");

        Assert.True(await process.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the service must refuse to start");
        Assert.Equal(1, process.ExitCode);
        Assert.Contains($"The service cannot start: Failed to bind to address http://127.0.0.1:{port}: address already in use. Another program is listening on that address: stop it, or choose another port with --urls http://127.0.0.1:PORT.", process.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", process.Output, StringComparison.Ordinal);

        // Only the message: the host's own error and its stack trace are logged at Debug, below the default level.
        Assert.DoesNotContain("Hosting failed to start", process.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("AddressInUseException", process.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", process.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_port_another_program_holds_exits_1_while_the_models_load_and_the_corpus_is_embedded()
    {
        // The start-up (llama.cpp loading the model, ONNX Runtime embedding the corpus) runs in the background while
        // Kestrel fails to bind: exiting under it crashed the process now and then (exit 139).
        ServiceProcess.SkipWithoutBuild();
        using var holder = HoldAPort(out var port);
        for (var attempt = 1; attempt <= 4; attempt++)
        {
            await using var process = ServiceProcess.Start(port, "--model", TestPaths.Stories, "--Service:WatchCorpus=false");

            Assert.True(await process.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the service must refuse to start");
            Assert.True(process.ExitCode == 1, $"attempt {attempt} exited {process.ExitCode}:\n{process.Output}");
            Assert.Contains("The service cannot start: Failed to bind", process.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Sigterm_stops_the_service_cleanly()
    {
        ServiceProcess.SkipWithoutBuild();
        await using var process = ServiceProcess.Start("--retrieval-only", "--EmbeddingModel:Provider=None", "--Service:WatchCorpus=false", "--Service:ShutdownTimeout=00:00:02");
        await process.WaitUntilReadyAsync(TimeSpan.FromSeconds(90), Ct);
        using (var client = new HttpClient { BaseAddress = process.Address })
        {
            using var live = await client.GetAsync(new Uri("/health/live", UriKind.Relative), Ct);
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        }

        Assert.True(await process.TerminateAsync(TimeSpan.FromSeconds(20)), "the service must stop within 20 s of SIGTERM:\n" + process.Output);
        Assert.Equal(0, process.ExitCode);
    }
}
