using Microsoft.Playwright;

namespace RagAssistant.Service.Tests.Infrastructure;

/// <summary>
/// Headless Chromium (Debian's package, driven by Playwright) for the web chat tests: pages that record the page's
/// script errors and Content-Security-Policy refusals, and screenshots saved to <c>WEBCHAT_SCREENSHOTS</c> when it is set.
/// </summary>
internal sealed class Chromium(IPlaywright playwright, IBrowser browser) : IAsyncDisposable
{
    public const string ExecutablePath = "/usr/bin/chromium";

    private static readonly string[] Args =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ];

    /// <summary>
    /// Script errors and console errors (CSP refusals among them) of the pages opened so far; not the browser's note of
    /// each HTTP error status, which the page handles itself (a 404 of a feature the service lacks).
    /// </summary>
    public List<string> Errors { get; } = [];

    /// <summary>Skips the test when Chromium is not installed.</summary>
    public static void SkipUnlessInstalled()
    {
        if (!File.Exists(ExecutablePath))
        {
            Assert.Skip($"Chromium is not installed at {ExecutablePath} (apt-get install chromium); .ci/run installs it.");
        }
    }

    /// <summary>Starts Chromium with the test flags and <paramref name="extraArgs"/>.</summary>
    public static async Task<Chromium> LaunchAsync(params string[] extraArgs)
    {
        SkipUnlessInstalled();
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = ExecutablePath, Headless = true, Args = [.. Args, .. extraArgs] });
        return new Chromium(playwright, browser);
    }

    public async Task<IPage> NewPageAsync(BrowserNewPageOptions? options = null)
    {
        var page = await browser.NewPageAsync(options);
        page.PageError += (_, error) => Add(error);
        page.Console += (_, message) =>
        {
            if (message.Type == "error" && !message.Text.StartsWith("Failed to load resource", StringComparison.Ordinal))
            {
                Add(message.Text);
            }
        };

        // Chromium reports each Content-Security-Policy violation as a console error; the page also records the
        // securitypolicyviolation events it sees.
        await page.AddInitScriptAsync("window.__violations = []; document.addEventListener('securitypolicyviolation', e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));");
        return page;
    }

    /// <summary>The Content-Security-Policy violations of <paramref name="page"/> so far, as events and console messages.</summary>
    public async Task<List<string>> PolicyViolationsAsync(IPage page)
    {
        var found = (await page.EvaluateAsync<string[]>("() => window.__violations || []")).ToList();
        lock (Errors)
        {
            found.AddRange(Errors.Where(m => m.Contains("Content Security Policy", StringComparison.Ordinal)));
        }

        return found;
    }

    /// <summary>Whether an error so far contains <paramref name="text"/>.</summary>
    public bool HasError(string text)
    {
        lock (Errors)
        {
            return Errors.Any(m => m.Contains(text, StringComparison.Ordinal));
        }
    }

    private void Add(string error)
    {
        lock (Errors)
        {
            Errors.Add(error);
        }
    }

    /// <summary>Saves a screenshot of the page as NAME.png in the folder named by WEBCHAT_SCREENSHOTS, if set.</summary>
    public static async Task ScreenshotAsync(IPage page, string name)
    {
        if (Environment.GetEnvironmentVariable("WEBCHAT_SCREENSHOTS") is { Length: > 0 } folder)
        {
            Directory.CreateDirectory(folder);

            // Past the drawer's slide-in (0.2 s).
            await page.WaitForTimeoutAsync(400);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, name + ".png"), FullPage = false });
        }
    }

    public async ValueTask DisposeAsync()
    {
        await browser.CloseAsync();
        playwright.Dispose();
    }
}
