using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using RagAssistant.Service.Tests.Infrastructure;

using static RagAssistant.Service.Tests.Browser.WebChatBrowserTests;

namespace RagAssistant.Service.Tests.Browser;

/// <summary>
/// Your own documents, end to end: the real service process (real corpus reader, index, watcher and retrieval-only
/// answers) on a corpus folder of its own, driven from the page in headless Chromium and through the HTTP API.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class WebChatDocumentsBrowserTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Upload_then_ask_about_the_uploaded_file_cites_it_and_it_can_be_removed()
    {
        Chromium.SkipUnlessInstalled();
        using var corpus = new TempFolder();
        corpus.Write("notes.md", "# Speculative decoding notes\n\nA small draft model proposes tokens that a larger model verifies in parallel.\n");
        await using var service = await StartAsync(corpus);
        await using var chromium = await Chromium.LaunchAsync();
        var page = await OpenAsync(chromium, service);

        // A name with a path and odd characters: the service chooses a safe one inside the corpus folder.
        await page.SetInputFilesAsync("#document-files", new FilePayload
        {
            Name = "../../Zebrafish heart (notes).md",
            MimeType = "text/markdown",
            Buffer = Encoding.UTF8.GetBytes("# Zebrafish heart regeneration\n\nZebrafish regrow their heart muscle after injury through cardiomyocyte proliferation.\n"),
        });
        await Assertions.Expect(page.Locator("#upload-status")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("Indexed .*searchable now"), new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("#document-list li")).ToContainTextAsync("Zebrafish-heart-notes.md");
        Assert.True(File.Exists(Path.Combine(corpus.Path, "uploads", "Zebrafish-heart-notes.md")), string.Join(", ", Directory.EnumerateFiles(corpus.Path, "*", SearchOption.AllDirectories)));
        await Assertions.Expect(page.Locator("#status-corpus")).ToHaveTextAsync("2 papers", new() { Timeout = 20_000 });

        await page.FillAsync("#question", "How do zebrafish regrow heart muscle?");
        await page.PressAsync("#question", "Enter");
        await Assertions.Expect(page.Locator(".turn .timings")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator(".turn .sources li.cited").First).ToContainTextAsync("Zebrafish heart regeneration");
        await Assertions.Expect(page.Locator(".turn .answer")).ToContainTextAsync("cardiomyocyte proliferation");
        await page.Locator(".turn .answer button.chip").First.ClickAsync();
        await Assertions.Expect(page.Locator("#paper-meta")).ToHaveTextAsync("uploads/Zebrafish-heart-notes.md");
        await Assertions.Expect(page.Locator("#paper-abstract mark.evidence")).ToContainTextAsync("cardiomyocyte proliferation");
        await page.Keyboard.PressAsync("Escape");

        // A file of the wrong type is refused with a message, before and after the page's own check.
        await page.SetInputFilesAsync("#document-files", new FilePayload { Name = "tool.exe", MimeType = "application/octet-stream", Buffer = [0x4d, 0x5a, 0, 0] });
        await Assertions.Expect(page.Locator("#upload-status")).ToHaveTextAsync("“tool.exe” is not a .md, .txt, .pdf or .jsonl file.");

        // Removed from the page: gone from the folder, then from the index.
        await page.GetByRole(AriaRole.Button, new() { Name = "Remove Zebrafish-heart-notes.md" }).ClickAsync();
        await Assertions.Expect(page.Locator("#document-list li")).ToHaveCountAsync(0);
        Assert.False(File.Exists(Path.Combine(corpus.Path, "uploads", "Zebrafish-heart-notes.md")));
        await Assertions.Expect(page.Locator("#status-corpus")).ToHaveTextAsync("1 paper", new() { Timeout = 20_000 });
        Assert.Empty(chromium.Errors);
    }

    [Fact]
    public async Task A_file_of_an_uploaded_name_is_saved_beside_it_with_a_message_and_the_page_offers_to_replace_it_instead()
    {
        Chromium.SkipUnlessInstalled();
        using var corpus = new TempFolder();
        corpus.Write("notes.md", "# Speculative decoding notes\n\nA small draft model proposes tokens.\n");
        await using var service = await StartAsync(corpus);
        await using var chromium = await Chromium.LaunchAsync();
        var page = await OpenAsync(chromium, service);
        await page.SetInputFilesAsync("#document-files", new FilePayload { Name = "lora-notes.md", MimeType = "text/markdown", Buffer = Encoding.UTF8.GetBytes(LoraNotes) });
        await Assertions.Expect(page.Locator("#upload-status")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("Indexed .*searchable now"), new() { Timeout = 30_000 });

        await page.SetInputFilesAsync("#document-files", new FilePayload { Name = "lora-notes.md", MimeType = "text/markdown", Buffer = Encoding.UTF8.GetBytes(LoraNotesEdited) });

        await Assertions.Expect(page.Locator("#upload-status")).ToContainTextAsync(
            "“lora-notes.md” is already uploaded, so “lora-notes.md” was saved beside it as “lora-notes-2.md”: both are sources now.", new() { Timeout = 30_000 });
        Assert.Equal(["lora-notes-2.md", "lora-notes.md"], UploadedFiles(corpus));
        AssertNoSeriousViolations(await page.RunAxe(), "upload message with the replace button");
        await page.GetByRole(AriaRole.Button, new() { Name = "Replace lora-notes.md instead" }).ClickAsync();
        await Assertions.Expect(page.Locator("#upload-status")).ToHaveTextAsync("Replaced lora-notes.md; the index is updated in a moment.", new() { Timeout = 30_000 });
        Assert.Equal(["lora-notes.md"], UploadedFiles(corpus));
        Assert.Equal(LoraNotesEdited, File.ReadAllText(Path.Combine(corpus.Path, "uploads", "lora-notes.md")));
        await Assertions.Expect(page.Locator("#document-list li")).ToHaveCountAsync(1);
        Assert.Empty(chromium.Errors);
    }

    [Fact]
    public async Task Over_the_API_a_second_upload_of_a_name_keeps_the_first_documents_paper_id_and_replace_true_replaces_it()
    {
        using var corpus = new TempFolder();
        corpus.Write("notes.md", "# Notes\n\nSomething to index.\n");
        await using var service = await StartAsync(corpus);
        using var client = new HttpClient { BaseAddress = service.Address };
        client.DefaultRequestHeaders.Add("X-RagAssistant-Upload", "1");
        Assert.Equal(HttpStatusCode.Created, (await UploadAsync(client, ("lora-notes.md", Encoding.UTF8.GetBytes(LoraNotes)))).Status);
        await WaitUntilIndexedAsync(client, "lora-notes.md");
        var id = await PaperIdAsync(client, "lora-notes.md");

        // The fresh-user trial: the edited file under the same name. Saved beside it, and said so.
        var (status, body) = await UploadAsync(client, ("lora-notes.md", Encoding.UTF8.GetBytes(LoraNotesEdited)));
        Assert.Equal(HttpStatusCode.Created, status);
        var upload = JsonDocument.Parse(body).RootElement;
        Assert.Equal("lora-notes-2.md", upload.GetProperty("saved")[0].GetString());
        var renamed = Assert.Single(upload.GetProperty("renamed").EnumerateArray());
        Assert.Equal(("lora-notes.md", "lora-notes.md", "lora-notes-2.md"), (renamed.GetProperty("sent").GetString(), renamed.GetProperty("existing").GetString(), renamed.GetProperty("saved_as").GetString()));
        Assert.StartsWith("An uploaded document is already named \"lora-notes.md\": \"lora-notes.md\" was saved beside it as \"lora-notes-2.md\", and both are sources now. To replace", upload.GetProperty("notice").GetString(), StringComparison.Ordinal);

        // lora-notes-2.md sorts before lora-notes.md, yet the id stays with the document that had it.
        await WaitUntilIndexedAsync(client, "lora-notes-2.md");
        Assert.Equal(id, await PaperIdAsync(client, "lora-notes.md"));
        Assert.StartsWith(id + "-", await PaperIdAsync(client, "lora-notes-2.md"), StringComparison.Ordinal);
        Assert.Contains("Rank 8", await client.GetStringAsync(new Uri($"/api/papers/{id}", UriKind.Relative), Ct), StringComparison.Ordinal);

        // replace=true: in place of the document of that name (not refused as a copy of it), which keeps its id.
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync(new Uri("/api/documents/lora-notes-2.md", UriKind.Relative), Ct)).StatusCode);
        using (var form = new MultipartFormDataContent { { new StringContent("true"), "replace" }, { new ByteArrayContent(Encoding.UTF8.GetBytes(LoraNotesEdited)), "files", "lora-notes.md" } })
        using (var replaced = await client.PostAsync(new Uri("/api/documents", UriKind.Relative), form, Ct))
        {
            Assert.Equal(HttpStatusCode.Created, replaced.StatusCode);
            var answer = JsonDocument.Parse(await replaced.Content.ReadAsStringAsync(Ct)).RootElement;
            Assert.Equal(["lora-notes.md"], answer.GetProperty("replaced").EnumerateArray().Select(e => e.GetString()));
            Assert.Equal(0, answer.GetProperty("renamed").GetArrayLength());
        }

        Assert.Equal(["lora-notes.md"], UploadedFiles(corpus));
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!(await client.GetStringAsync(new Uri($"/api/papers/{id}", UriKind.Relative), Ct)).Contains("Rank 16", StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, "the replaced document was not indexed under its id");
            await Task.Delay(200, Ct);
        }

        using var bad = new MultipartFormDataContent { { new StringContent("yes please"), "replace" }, { new ByteArrayContent("# A\n\nB."u8.ToArray()), "files", "a.md" } };
        using var refused = await client.PostAsync(new Uri("/api/documents", UriKind.Relative), bad, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
    }

    // The service on its own corpus folder, retrieval-only, re-indexing soon after each change.
    private static async Task<ServiceProcess> StartAsync(TempFolder corpus)
    {
        var service = ServiceProcess.Start("--retrieval-only", "--corpus", corpus.Path, "--EmbeddingModel:Provider=None", "--Service:ReindexDelay=00:00:00.200");
        try
        {
            await service.WaitUntilReadyAsync(TimeSpan.FromSeconds(90), Ct);
            return service;
        }
        catch
        {
            await service.DisposeAsync();
            throw;
        }
    }

    // The web chat, once it shows the corpus's one paper.
    private static async Task<IPage> OpenAsync(Chromium chromium, ServiceProcess service)
    {
        var page = await chromium.NewPageAsync();
        await page.GotoAsync(service.Address.ToString());
        await Assertions.Expect(page.Locator("#status-corpus")).ToHaveTextAsync("1 paper");
        return page;
    }

    private const string LoraNotes = "# My LoRA experiments\n\nRank 8 was enough for the summarisation task.\n";
    private const string LoraNotesEdited = "# My LoRA experiments\n\nRank 16 was needed for the summarisation task.\n";

    private static List<string?> UploadedFiles(TempFolder corpus) =>
        [.. Directory.EnumerateFiles(Path.Combine(corpus.Path, "uploads")).Select(Path.GetFileName).Order(StringComparer.Ordinal)];

    private static async Task<string> PaperIdAsync(HttpClient client, string name) =>
        JsonDocument.Parse(await client.GetStringAsync(new Uri("/api/documents", UriKind.Relative), Ct)).RootElement.GetProperty("documents").EnumerateArray()
            .Single(d => d.GetProperty("name").GetString() == name).GetProperty("papers")[0].GetProperty("id").GetString()!;

    [Fact]
    public async Task The_documents_API_refuses_bad_types_sizes_counts_and_paths_with_clear_messages()
    {
        using var corpus = new TempFolder();
        corpus.Write("notes.md", "# Notes\n\nSomething to index.\n");
        await using var service = ServiceProcess.Start(
            "--retrieval-only", "--corpus", corpus.Path, "--EmbeddingModel:Provider=None",
            "--Service:MaxDocumentBytes=2048", "--Service:MaxDocumentsPerUpload=2", "--Service:MaxUploadedDocuments=3");
        await service.WaitUntilReadyAsync(TimeSpan.FromSeconds(90), Ct);
        using var client = new HttpClient { BaseAddress = service.Address };

        // Without the upload header (what a form on another site would send) nothing is written.
        using (var form = new MultipartFormDataContent { { new ByteArrayContent("# A\n\nB."u8.ToArray()), "files", "a.md" } })
        using (var headerless = await client.PostAsync(new Uri("/api/documents", UriKind.Relative), form, Ct))
        {
            Assert.Equal(HttpStatusCode.BadRequest, headerless.StatusCode);
            Assert.Contains("X-RagAssistant-Upload", await headerless.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }

        client.DefaultRequestHeaders.Add("X-RagAssistant-Upload", "1");

        var (status, detail) = await UploadAsync(client, ("binary.txt", [0x00, 0x01, 0x02, 0x41]));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, status);
        Assert.Contains("is not a text file", detail, StringComparison.Ordinal);

        // The corpus loader's own check (BinaryContentDetector): control characters without a NUL, a PDF under .md.
        (status, detail) = await UploadAsync(client, ("controls.txt", [0x01, 0x02, 0x03, 0x41, 0x04, 0x05]));
        Assert.Equal((HttpStatusCode.UnsupportedMediaType, "\"controls.txt\" is not a text file (it holds binary data); .md, .txt and .jsonl documents must be text."), (status, detail));
        (status, _) = await UploadAsync(client, ("paper.md", "%PDF-1.7\n"u8.ToArray()));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, status);

        (status, detail) = await UploadAsync(client, ("fake.pdf", "not a pdf"u8.ToArray()));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, status);
        Assert.Contains("is not a PDF", detail, StringComparison.Ordinal);

        // Read as the index build reads it: a document that would add nothing is refused with the build's reason, not
        // saved to stay "not indexed" forever. One good file beside it is not saved either.
        (status, detail) = await UploadAsync(client, ("fake.pdf", "%PDF-1.4 garbage"u8.ToArray()));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.StartsWith("\"fake.pdf\" cannot be indexed, so it was not saved: not a readable PDF (", detail, StringComparison.Ordinal);
        (status, detail) = await UploadAsync(client, ("good.md", "# Good\n\nText."u8.ToArray()), ("broken.jsonl", "{\"title\": \"x\",\n"u8.ToArray()));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.StartsWith("\"broken.jsonl\" cannot be indexed, so it was not saved: ", detail, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(corpus.Path, "uploads")), "nothing was saved");

        (status, detail) = await UploadAsync(client, ("big.md", new byte[3000]));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Contains("Service:MaxDocumentBytes", detail, StringComparison.Ordinal);

        (status, detail) = await UploadAsync(client, ("a.md", "a"u8.ToArray()), ("b.md", "b"u8.ToArray()), ("c.md", "c"u8.ToArray()));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("at most 2", detail, StringComparison.Ordinal);

        // A path in the name is dropped; a second file of the same name gets a number.
        (status, _) = await UploadAsync(client, ("../../../etc/.passwd.md", "# One\n\nFirst."u8.ToArray()), ("..\\..\\.passwd.md", "# Two\n\nSecond."u8.ToArray()));
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(["passwd-2.md", "passwd.md"], Directory.EnumerateFiles(Path.Combine(corpus.Path, "uploads")).Select(Path.GetFileName).Order(StringComparer.Ordinal));

        (status, detail) = await UploadAsync(client, ("d.md", "d"u8.ToArray()), ("e.md", "e"u8.ToArray()));
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Contains("Remove some first", detail, StringComparison.Ordinal);

        using var traversal = await client.DeleteAsync(new Uri("/api/documents/..%2Fnotes.md", UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.NotFound, traversal.StatusCode);
        Assert.True(File.Exists(Path.Combine(corpus.Path, "notes.md")));
        using var removed = await client.DeleteAsync(new Uri("/api/documents/passwd.md", UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        Assert.True(Directory.Exists(Path.Combine(corpus.Path, "uploads")), "one document is left in the folder");

        // The last one removed takes the folder the service created with it; the next upload creates it again.
        using var last = await client.DeleteAsync(new Uri("/api/documents/passwd-2.md", UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.NoContent, last.StatusCode);
        Assert.False(Directory.Exists(Path.Combine(corpus.Path, "uploads")), string.Join(", ", Directory.EnumerateFileSystemEntries(corpus.Path, "*", SearchOption.AllDirectories)));
        Assert.Equal(0, JsonDocument.Parse(await client.GetStringAsync(new Uri("/api/documents", UriKind.Relative), Ct)).RootElement.GetProperty("documents").GetArrayLength());
        (status, _) = await UploadAsync(client, ("again.md", "# Again\n\nThird."u8.ToArray()));
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.True(File.Exists(Path.Combine(corpus.Path, "uploads", "again.md")));
    }

    [Fact]
    public async Task A_document_the_corpus_already_has_under_another_name_is_refused_naming_the_one_it_copies()
    {
        using var corpus = new TempFolder();
        corpus.Write("notes.md", "# Notes\n\nSomething to index.\n");
        await using var service = await StartAsync(corpus);
        using var client = new HttpClient { BaseAddress = service.Address };
        client.DefaultRequestHeaders.Add("X-RagAssistant-Upload", "1");
        var lora = "# LoRA\n\nLow-rank adaptation freezes the pretrained weights and trains small adapters.\n"u8.ToArray();

        var (status, _) = await UploadAsync(client, ("lora.md", lora), ("moe.txt", "Mixture-of-experts routing sends each token to two experts."u8.ToArray()));
        Assert.Equal(HttpStatusCode.Created, status);

        // Under another name, before the index has read the first (saved since the build) ...
        (status, var detail) = await UploadAsync(client, ("lora copy.md", lora));
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.StartsWith("\"lora copy.md\" has the same content as the uploaded document \"lora.md\" (\"LoRA\"), already in the corpus", detail, StringComparison.Ordinal);
        Assert.EndsWith("so it was not saved again. Nothing was saved.", detail, StringComparison.Ordinal); // one file sent: no "other files"

        // ... and after (from the index), whitespace and line endings aside; a one-line note's title is only its name.
        await WaitUntilIndexedAsync(client, "lora.md");
        (status, detail) = await UploadAsync(client, ("other.md", "a"u8.ToArray()), ("lora-2.md", "# LoRA\r\n\r\nLow-rank adaptation  freezes the pretrained weights\r\nand trains small adapters."u8.ToArray()));
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.StartsWith("\"lora-2.md\" has the same content as the uploaded document \"lora.md\"", detail, StringComparison.Ordinal);
        Assert.Contains("Nothing of this upload was saved; send the other files without it.", detail, StringComparison.Ordinal);
        (status, detail) = await UploadAsync(client, ("routing.txt", "Mixture-of-experts routing sends each token to two experts.\n"u8.ToArray()));
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Contains("the uploaded document \"moe.txt\"", detail, StringComparison.Ordinal);

        // A file of the corpus folder itself, and the same file twice in one upload.
        (status, detail) = await UploadAsync(client, ("notes-again.md", "# Notes\n\nSomething to index."u8.ToArray()));
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Contains("\"notes.md\" of the corpus folder (\"Notes\")", detail, StringComparison.Ordinal);
        (status, detail) = await UploadAsync(client, ("x.md", "# X\n\nText."u8.ToArray()), ("y.md", "# X\n\nText."u8.ToArray()));
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Equal("\"y.md\" has the same content as \"x.md\" of this upload: send it once. Nothing of this upload was saved.", detail);

        // Nothing was written for the refused uploads; a document that merely shares a title is new.
        Assert.Equal(["lora.md", "moe.txt"], Directory.EnumerateFiles(Path.Combine(corpus.Path, "uploads")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        (status, _) = await UploadAsync(client, ("more-notes.md", "# Notes\n\nSomething else entirely.\n"u8.ToArray()));
        Assert.Equal(HttpStatusCode.Created, status);
    }

    [Fact]
    public async Task A_listing_dump_the_corpus_already_has_is_refused_naming_its_file_and_how_many_papers_it_copies()
    {
        using var corpus = new TempFolder();
        var dump = string.Concat(Enumerable.Range(1, 3).Select(i => $$"""{"title": "Paper {{i}}", "abstract": "Finding number {{i}} about speculative decoding."}""" + "\n"));
        corpus.Write("listing.jsonl", dump);
        await using var service = await StartAsync(corpus);
        using var client = new HttpClient { BaseAddress = service.Address };
        client.DefaultRequestHeaders.Add("X-RagAssistant-Upload", "1");

        var (status, detail) = await UploadAsync(client, ("listing copy.jsonl", Encoding.UTF8.GetBytes(dump)));

        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.StartsWith("\"listing copy.jsonl\" copies \"listing.jsonl\" of the corpus folder: all 3 of its papers are already in the corpus", detail, StringComparison.Ordinal);

        // Part of it, with a new paper: how many of its papers.
        (status, detail) = await UploadAsync(client, ("mixed.jsonl", Encoding.UTF8.GetBytes(string.Join('\n', dump.Split('\n')[..2]) + "\n{\"title\": \"New\", \"abstract\": \"Something new.\"}\n")));
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.StartsWith("\"mixed.jsonl\" copies \"listing.jsonl\" of the corpus folder: 2 of its 3 papers are already in the corpus", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_upload_titled_with_escape_sequences_and_bidi_overrides_answers_with_clean_titles_and_quotes()
    {
        using var corpus = new TempFolder();
        corpus.Write("notes.md", "# Notes\n\nSomething to index.\n");
        await using var service = await StartAsync(corpus);
        using var client = new HttpClient { BaseAddress = service.Address };
        client.DefaultRequestHeaders.Add("X-RagAssistant-Upload", "1");

        // The fresh-user trial's file: a window title (OSC ... BEL), colours and clear screen in the title line; an
        // override and colours in the text. Accepted (it is text) and indexed without them.
        var evil = "\u001b]0;PWNED\u0007\u001b[31m<script>alert(1)</script> Evil <b>Title</b>\u001b[2J\n"
            + "Walrus herds \u202emigrate\u202c across the arctic \u001b[31mas the sea ice retreats\u001b[0m every spring.\n";
        var (status, _) = await UploadAsync(client, ("evil.txt", Encoding.UTF8.GetBytes(evil)));
        Assert.Equal(HttpStatusCode.Created, status);
        await WaitUntilIndexedAsync(client, "evil.txt");

        using var ask = await client.PostStreamingAsync("/api/ask", new { question = "How do walrus herds migrate across the arctic?" }, Ct, accept: "application/json");
        var body = await ask.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.OK, ask.StatusCode);
        // Not even as JSON escapes: `curl ... | jq -r` would print them as the escapes themselves.
        foreach (var escaped in new[] { "\\u001b", "\\u0007", "\\u009b", "\\u202e", "\\u202c", "PWNED", "[31m", "[2J" })
        {
            Assert.DoesNotContain(escaped, body, StringComparison.OrdinalIgnoreCase);
        }

        var answer = JsonDocument.Parse(body).RootElement;
        Assert.DoesNotContain(Strings(answer), text => text.Any(c => (char.IsControl(c) && c is not '\n' and not '\t') || c is >= '\u202a' and <= '\u202e' or >= '\u2066' and <= '\u2069'));
        Assert.Contains(answer.GetProperty("sources").EnumerateArray(), s => s.GetProperty("title").GetString() == "<script>alert(1)</script> Evil <b>Title</b>");
        Assert.Contains("migrate across the arctic as the sea ice retreats", body, StringComparison.Ordinal);
    }

    // Every string value of a JSON document, at any depth.
    private static IEnumerable<string> Strings(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => [element.GetString()!],
        JsonValueKind.Array => element.EnumerateArray().SelectMany(Strings),
        JsonValueKind.Object => element.EnumerateObject().SelectMany(p => Strings(p.Value)),
        _ => [],
    };

    private static async Task WaitUntilIndexedAsync(HttpClient client, string name)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!JsonDocument.Parse(await client.GetStringAsync(new Uri("/api/documents", UriKind.Relative), Ct)).RootElement.GetProperty("documents")
            .EnumerateArray().Any(d => d.GetProperty("name").GetString() == name && d.GetProperty("indexed").GetBoolean()))
        {
            Assert.True(DateTime.UtcNow < deadline, $"{name} was not indexed");
            await Task.Delay(200, Ct);
        }
    }

    private static async Task<(HttpStatusCode Status, string Detail)> UploadAsync(HttpClient client, params (string Name, byte[] Content)[] files)
    {
        using var form = new MultipartFormDataContent();
        foreach (var (name, content) in files)
        {
            var part = new ByteArrayContent(content);
            part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            form.Add(part, "files", name);
        }

        using var response = await client.PostAsync(new Uri("/api/documents", UriKind.Relative), form, Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        var detail = response.IsSuccessStatusCode ? body : JsonDocument.Parse(body).RootElement.GetProperty("detail").GetString()!;
        return (response.StatusCode, detail);
    }
}
