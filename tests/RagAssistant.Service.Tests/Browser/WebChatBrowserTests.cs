using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using RagAssistant.Core.Answering;
using RagAssistant.Core.Evidence;
using RagAssistant.Service.Tests.Infrastructure;

namespace RagAssistant.Service.Tests.Browser;

/// <summary>The web chat in headless Chromium (Debian's package, driven by Playwright) against the service on Kestrel.</summary>
public sealed class WebChatBrowserTests
{
    private const string ChromiumPath = "/usr/bin/chromium";

    private static readonly string[] ChromiumArgs =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ];

    [Fact]
    public async Task A_question_streams_in_shows_sources_and_citations_open_the_paper()
    {
        await using var factory = StartOnKestrel(out var address);
        factory.Pipeline.TokenDelay = TimeSpan.FromMilliseconds(20);

        // Hold the answer after its first token, so "while streaming" is checked deterministically, however slow the machine.
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        factory.Pipeline.HoldAfterFirstToken = hold;
        await using var browser = await LaunchAsync();
        var page = await browser.NewPageAsync();

        // Under the service's Content-Security-Policy: every violation Chromium reports (console and DOM event) is kept.
        var console = await WatchPolicyViolationsAsync(page);
        var loaded = await page.GotoAsync(address);
        Assert.Contains("script-src 'self'", await loaded!.HeaderValueAsync("content-security-policy"), StringComparison.Ordinal);
        await Assertions.Expect(page.Locator("#status")).ToHaveTextAsync("Ready");

        await page.FillAsync("#question", "What is speculative decoding?");
        await page.ClickAsync("#ask");

        // While streaming, part of the answer is visible and the Stop button is enabled.
        var answer = page.Locator(".turn .answer");
        await Assertions.Expect(answer).ToContainTextAsync("Answer");
        await Assertions.Expect(answer).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("streaming"));
        await Assertions.Expect(page.Locator("#stop")).ToBeEnabledAsync();
        hold.TrySetResult();

        // Then the whole answer, with its citation as a link, and the sources list.
        await Assertions.Expect(answer).ToHaveTextAsync(FakeAnswerPipeline.AnswerFor("What is speculative decoding?"));
        await Assertions.Expect(page.Locator(".turn .sources li")).ToHaveTextAsync("Fast Inference with Speculative Decoding (Feb 22, 2024)");
        await page.Locator("a.citation").First.ClickAsync();
        await Assertions.Expect(page.Locator("#paper-title")).ToHaveTextAsync("Fast Inference with Speculative Decoding");
        await Assertions.Expect(page.Locator("#paper-abstract")).ToContainTextAsync("A small draft model proposes tokens");
        await Assertions.Expect(page.Locator("#paper-meta")).ToHaveTextAsync("Feb 22, 2024 · papers.txt");

        // The source in the list opens the same paper.
        await page.Locator("#paper button").ClickAsync();
        await Assertions.Expect(page.Locator("#paper")).Not.ToBeVisibleAsync();
        await page.Locator(".turn .sources a").ClickAsync();
        await Assertions.Expect(page.Locator("#paper-title")).ToHaveTextAsync("Fast Inference with Speculative Decoding");
        Assert.Empty(await PolicyViolationsAsync(page, console));
    }

    [Fact]
    public async Task The_content_security_policy_is_enforced_and_the_page_cannot_be_framed()
    {
        await using var factory = StartOnKestrel(out var address);
        await using var browser = await LaunchAsync();
        var page = await browser.NewPageAsync();
        var console = await WatchPolicyViolationsAsync(page);
        await page.GotoAsync(address);
        await Assertions.Expect(page.Locator("#status")).ToHaveTextAsync("Ready");
        Assert.Empty(await PolicyViolationsAsync(page, console));

        // The watch sees a violation when there is one: an inline script is refused and reported.
        await page.EvaluateAsync("() => { const s = document.createElement('script'); s.textContent = 'window.injected = true'; document.body.append(s); }");
        Assert.Null(await page.EvaluateAsync<bool?>("() => window.injected"));
        Assert.NotEmpty(await PolicyViolationsAsync(page, console));

        // A page of another origin cannot frame the chat (frame-ancestors 'none').
        var framing = await browser.NewPageAsync();
        var blocked = await WatchPolicyViolationsAsync(framing);
        await framing.SetContentAsync($"<iframe src=\"{address}\"></iframe>");
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!blocked.Any(m => m.Contains("frame-ancestors", StringComparison.Ordinal)) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        Assert.Contains(blocked, m => m.Contains("frame-ancestors", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_page_whose_name_was_rebound_to_loopback_cannot_read_the_service()
    {
        await using var factory = StartOnKestrel(out var address);
        var port = new Uri(address).Port;

        // DNS rebinding as Chromium performs it: attacker.example resolves to 127.0.0.1.
        await using var browser = await LaunchAsync("--host-resolver-rules=MAP attacker.example 127.0.0.1");
        var page = await browser.NewPageAsync();

        var response = await page.GotoAsync($"http://attacker.example:{port}/api/status");

        Assert.Equal(400, response!.Status);
        Assert.Contains("Service:AllowedHosts", await page.ContentAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain("corpus", await page.ContentAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Claims_are_marked_their_suggestion_shows_on_focus_and_a_citation_opens_the_paper_at_its_evidence()
    {
        var catalog = new FakeCatalog();
        var (decoding, experts) = (catalog.Papers[0], catalog.Papers[1]);
        const string Supported = "Draft models propose tokens that a large model checks [1].";
        const string Unsupported = "Experts keep compute flat [1].";
        const string Uncited = "Routing sends each token to a few experts.";
        var pipeline = new FakeAnswerPipeline(
        [
            new AnswerSource(1, decoding.Id, decoding.Title, decoding.Date, decoding.SourceFile, 0.9, decoding.Abstract),
            new AnswerSource(2, experts.Id, experts.Title, experts.Date, experts.SourceFile, 0.5, experts.Abstract),
        ])
        {
            Pieces = [Supported, " " + Unsupported, " " + Uncited],
            TokenDelay = TimeSpan.FromMilliseconds(20),
            Claims =
            [
                (0, new AnswerClaim(Supported, [1], ClaimVerdict.Supported, [new ClaimEvidence(1, decoding.Abstract, 0.8)], [])),
                (1, new AnswerClaim(Unsupported, [1], ClaimVerdict.Unsupported, [new ClaimEvidence(1, decoding.Abstract, 0.1), new ClaimEvidence(2, experts.Abstract, 0.7)], [2])),
                (2, new AnswerClaim(Uncited, [], ClaimVerdict.Uncited, [new ClaimEvidence(2, experts.Abstract, 0.75)], [2])),
            ],
        };
        await using var factory = StartOnKestrel(out var address, pipeline);
        await using var browser = await LaunchAsync();
        var page = await browser.NewPageAsync();
        await page.GotoAsync(address);
        await Assertions.Expect(page.Locator("#status")).ToHaveTextAsync("Ready");

        await page.FillAsync("#question", "How do draft models and experts help?");
        await page.ClickAsync("#ask");

        // Each claim marked by its verdict, in words for screen readers and a symbol for the eye.
        await Assertions.Expect(page.Locator(".turn .grounding")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^1 of 3 claims supported by their sources \\(1 unsupported, 1 uncited\\)\\. .*it is not a proof\\.$"));
        await Assertions.Expect(page.Locator(".claim")).ToHaveCountAsync(3);
        await Assertions.Expect(page.Locator(".claim-supported .verdict")).ToHaveAttributeAsync("aria-label", "supported");
        await Assertions.Expect(page.Locator(".claim-unsupported .verdict")).ToHaveTextAsync(" ✗");
        await Assertions.Expect(page.Locator(".claim-uncited .verdict")).ToHaveTextAsync(" ?");

        // The suggestion shows on focus (keyboard) and on hover.
        // (The pointer is moved off the answer first: the conversation grew under where the Ask button was clicked.)
        var suggestion = page.Locator(".claim-unsupported .suggestion");
        await page.Mouse.MoveAsync(0, 0);
        await Assertions.Expect(suggestion).ToBeHiddenAsync();
        await page.Locator(".claim-unsupported").FocusAsync();
        await Assertions.Expect(suggestion).ToBeVisibleAsync();
        await Assertions.Expect(suggestion).ToContainTextAsync($"Supported by [2] {experts.Title}: “{experts.Abstract}”");
        await page.Locator(".claim-uncited").HoverAsync();
        await Assertions.Expect(page.Locator(".claim-uncited .suggestion")).ToBeVisibleAsync();

        // A citation opens its paper with the evidence sentence highlighted and in view.
        await page.Locator(".claim-supported a.citation").ClickAsync();
        var evidence = page.Locator("#paper-abstract mark.evidence");
        await Assertions.Expect(evidence).ToHaveTextAsync(decoding.Abstract);
        await Assertions.Expect(evidence).ToBeInViewportAsync();
    }

    [Fact]
    public async Task A_refusal_is_shown_once()
    {
        const string Refusal = "The papers do not answer this question.";
        await using var factory = StartOnKestrel(out var address);
        factory.Pipeline.EchoQuestion = false;
        factory.Pipeline.Pieces = [Refusal];
        factory.Pipeline.Refused = true;
        await using var browser = await LaunchAsync();
        var page = await browser.NewPageAsync();
        await page.GotoAsync(address);

        await page.FillAsync("#question", "Who won the 1998 football world cup?");
        await page.PressAsync("#question", "Enter");

        await Assertions.Expect(page.Locator(".turn .timings")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator(".turn .answer")).ToHaveTextAsync(Refusal);
        await Assertions.Expect(page.Locator(".turn .answer")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("refused"));
        await Assertions.Expect(page.Locator(".turn .notice")).ToHaveCountAsync(0);
        Assert.Equal(1, CountOf(await page.Locator(".turn").InnerTextAsync(), "do not answer"));
    }

    [Fact]
    public async Task Stop_cancels_the_answer_on_the_server()
    {
        await using var factory = StartOnKestrel(out var address);
        factory.Pipeline.HoldAfterFirstToken = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var browser = await LaunchAsync();
        var page = await browser.NewPageAsync();
        await page.GotoAsync(address);

        await page.FillAsync("#question", "a long answer");
        await page.PressAsync("#question", "Enter");
        await Assertions.Expect(page.Locator(".turn .answer")).ToHaveTextAsync("Answer");
        await page.ClickAsync("#stop");

        await Assertions.Expect(page.Locator(".turn .notice")).ToHaveTextAsync("Stopped.");
        await Assertions.Expect(page.Locator("#ask")).ToBeEnabledAsync();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (factory.Pipeline.Cancelled == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        Assert.Equal(1, factory.Pipeline.Cancelled);
    }

    private static int CountOf(string text, string value) => (text.Length - text.Replace(value, string.Empty, StringComparison.Ordinal).Length) / value.Length;

    private static ServiceFactory StartOnKestrel(out string address, FakeAnswerPipeline? pipeline = null)
    {
        if (!File.Exists(ChromiumPath))
        {
            Assert.Skip($"Chromium is not installed at {ChromiumPath} (apt-get install chromium); .ci/run installs it.");
        }

        var factory = pipeline is null ? new ServiceFactory() : new ServiceFactory { Pipeline = pipeline };
        // Listen on a free loopback port through Kestrel's own options. UseKestrel(0) rewrites the server's address list
        // after the host is built, racing Kestrel binding on the app's thread: now and then it threw "Addresses cannot be
        // modified after the server has started" (dotnet/aspnetcore#67714).
        factory.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        factory.StartServer();
        address = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return factory;
    }

    // Chromium reports each violation as a console error ("Refused to ... because it violates the following Content
    // Security Policy directive"); the page also records the securitypolicyviolation events it sees.
    private static async Task<List<string>> WatchPolicyViolationsAsync(IPage page)
    {
        var messages = new List<string>();
        page.Console += (_, message) =>
        {
            lock (messages)
            {
                messages.Add(message.Text);
            }
        };
        page.PageError += (_, error) =>
        {
            lock (messages)
            {
                messages.Add(error);
            }
        };
        await page.AddInitScriptAsync("window.__violations = []; document.addEventListener('securitypolicyviolation', e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));");
        return messages;
    }

    private static async Task<List<string>> PolicyViolationsAsync(IPage page, List<string> console)
    {
        var found = (await page.EvaluateAsync<string[]>("() => window.__violations || []")).ToList();
        lock (console)
        {
            found.AddRange(console.Where(m => m.Contains("Content Security Policy", StringComparison.Ordinal)));
        }

        return found;
    }

    private static async Task<BrowserSession> LaunchAsync(params string[] extraArgs)
    {
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = [.. ChromiumArgs, .. extraArgs],
        });
        return new BrowserSession(playwright, browser);
    }

    private sealed class BrowserSession(IPlaywright playwright, IBrowser browser) : IAsyncDisposable
    {
        public Task<IPage> NewPageAsync() => browser.NewPageAsync();

        public async ValueTask DisposeAsync()
        {
            await browser.CloseAsync();
            playwright.Dispose();
        }
    }
}
