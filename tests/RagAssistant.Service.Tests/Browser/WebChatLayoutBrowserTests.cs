using System.Text.Json;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using RagAssistant.Core.Answering;
using RagAssistant.Service.Tests.Infrastructure;
using static RagAssistant.Service.Tests.Browser.WebChatBrowserTests;

namespace RagAssistant.Service.Tests.Browser;

/// <summary>
/// The web chat's layout, measured in headless Chromium with bounding boxes at a desktop (1280×900) and a phone
/// (390×844) size: the number of a wrapping source title, the conversations sidebar, the header on a phone.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class WebChatLayoutBrowserTests
{
    private const string LongTitle =
        "Efficient Memory Management for Large Language Model Serving with PagedAttention, Continuous Batching and Speculative Decoding of Draft Tokens";

    private static readonly ViewportSize Desktop = new() { Width = 1280, Height = 900 };
    private static readonly ViewportSize Phone = new() { Width = 390, Height = 844 };

    // The first line box of an entry (where its marker, the number, sits: on that line's baseline), found with an empty
    // probe put first in it, and the lines of its title, from the title's text.
    private const string MeasureEntry = """
        li => {
          const probe = document.createElement("span");
          li.prepend(probe);
          const line = probe.getBoundingClientRect();
          probe.remove();
          const range = document.createRange();
          range.selectNodeContents(li.querySelector(".source-title"));
          const rects = [...range.getClientRects()].filter(r => r.width > 0);
          return { marker: line.top, first: rects[0].top, last: rects[rects.length - 1].top, lines: new Set(rects.map(r => Math.round(r.top))).size };
        }
        """;

    // The lines a conversation's title takes in the sidebar, and whether it is cut (wider than its box).
    private const string MeasureTitle = """
        open => {
          const title = open.firstChild;
          const range = document.createRange();
          if (title.nodeType === Node.TEXT_NODE) range.selectNode(title); else range.selectNodeContents(title);
          const rects = [...range.getClientRects()].filter(r => r.width > 0);
          const box = title.nodeType === Node.TEXT_NODE ? open : title;
          return { lines: new Set(rects.map(r => Math.round(r.top))).size, cut: box.scrollWidth > box.clientWidth };
        }
        """;

    [Theory]
    [InlineData(1280, 900)]
    [InlineData(390, 844)]
    public async Task The_number_of_a_source_whose_title_wraps_sits_on_the_titles_first_line(int width, int height)
    {
        var catalog = new FakeCatalog();
        var paper = catalog.Papers[0];
        var other = catalog.Papers[1];
        var pipeline = new FakeAnswerPipeline(
        [
            new AnswerSource(1, other.Id, other.Title, other.Date, other.SourceFile, 0.9, other.Abstract),
            new AnswerSource(2, paper.Id, LongTitle, paper.Date, paper.SourceFile, 0.8, paper.Abstract),
        ])
        { EchoQuestion = true };
        await using var factory = StartOnKestrel(out var address, pipeline: pipeline);
        await using var chromium = await Chromium.LaunchAsync();
        var page = await chromium.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = width, Height = height } });
        await page.GotoAsync(address);
        await AskAsync(page, "How is memory for the KV cache managed?");

        var entry = page.Locator(".turn .sources li").Nth(1);
        await Assertions.Expect(entry).ToContainTextAsync(LongTitle);
        Assert.Equal(2, await entry.EvaluateAsync<int>("li => li.value"));
        var box = await entry.EvaluateAsync<JsonElement>(MeasureEntry);
        Assert.True(box.GetProperty("lines").GetInt32() >= 2, $"the title should wrap at {width} px for this test: {box}");
        Assert.True(
            Math.Abs(box.GetProperty("marker").GetDouble() - box.GetProperty("first").GetDouble()) <= 2,
            $"the number is on the line at {box.GetProperty("marker")} px, the title's first line at {box.GetProperty("first")} px (its last at {box.GetProperty("last")} px)");
        await Chromium.ScreenshotAsync(page, $"sources-{width}");
    }

    [Fact]
    public async Task A_conversation_title_is_one_line_with_its_whole_title_as_tooltip_and_rename_shows_on_hover_and_on_Tab()
    {
        await using var factory = StartOnKestrel(out var address);
        await SkipUnlessConversationsAsync(address);
        await using var chromium = await Chromium.LaunchAsync();
        var page = await chromium.NewPageAsync(new BrowserNewPageOptions { ViewportSize = Desktop });
        await page.GotoAsync(address);
        const string Question = "How does FlashAttention reduce memory traffic compared with standard attention implementations?";
        await AskAsync(page, Question);

        var item = page.Locator("#conversation-list li").First;
        var open = item.Locator("button.open");
        await Assertions.Expect(open).ToContainTextAsync("FlashAttention");
        var title = await open.EvaluateAsync<JsonElement>(MeasureTitle);
        Assert.True(title.GetProperty("lines").GetInt32() == 1, $"the title takes {title.GetProperty("lines")} lines");
        Assert.True(title.GetProperty("cut").GetBoolean(), "a title this long is cut with an ellipsis");
        var tooltip = await open.GetAttributeAsync("title");
        Assert.NotNull(tooltip);
        Assert.StartsWith("How does FlashAttention", tooltip, StringComparison.Ordinal);

        // Rename is out of sight until the item is hovered, and again after.
        var rename = item.GetByRole(AriaRole.Button, new() { NameRegex = new System.Text.RegularExpressions.Regex("^Rename") });
        await page.Mouse.MoveAsync(900, 450);
        await page.FocusAsync("#question");
        Assert.Equal(0, await OpacityAsync(rename));
        await item.HoverAsync();
        Assert.Equal(1, await OpacityAsync(rename));
        await page.Mouse.MoveAsync(900, 450);
        Assert.Equal(0, await OpacityAsync(rename));

        // Tab from the title reaches it, and it shows while it has focus (with the focus outline).
        await open.FocusAsync();
        await page.Keyboard.PressAsync("Tab");
        await Assertions.Expect(rename).ToBeFocusedAsync();
        Assert.Equal(1, await OpacityAsync(rename));
        Assert.NotEqual("none", await rename.EvaluateAsync<string>("b => getComputedStyle(b).outlineStyle"));
        await Chromium.ScreenshotAsync(page, "sidebar-focus");
        AssertNoSeriousViolations(await page.RunAxe(), "sidebar with Rename focused");

        // On a touch screen, where nothing hovers, Rename stays shown.
        var phone = await chromium.NewPageAsync(new BrowserNewPageOptions { ViewportSize = Phone, IsMobile = true, HasTouch = true });
        await phone.GotoAsync(address);
        Assert.True(await phone.EvaluateAsync<bool>("matchMedia('(hover: none) and (pointer: coarse)').matches"), "a touch page matches (hover: none) and (pointer: coarse)");
        await phone.ClickAsync("#open-sidebar");
        var phoneRename = phone.Locator("#conversation-list li").First.GetByRole(AriaRole.Button, new() { NameRegex = new System.Text.RegularExpressions.Regex("^Rename") });
        Assert.Equal(1, await OpacityAsync(phoneRename));
        Assert.Equal(1, (await phone.Locator("#conversation-list li button.open").First.EvaluateAsync<JsonElement>(MeasureTitle)).GetProperty("lines").GetInt32());
    }

    [Fact]
    public async Task On_a_phone_the_header_with_a_download_offer_takes_at_most_12_percent_of_the_height_and_its_toggle_shows_the_whole_status()
    {
        using var folder = new TempFolder();
        await using var factory = StartOnKestrel(out var address, new Dictionary<string, string?> { ["ChatModel:ModelPath"] = Path.Combine(folder.Path, "missing.gguf") });
        await using var chromium = await Chromium.LaunchAsync();
        var page = await chromium.NewPageAsync(new BrowserNewPageOptions { ViewportSize = Phone, IsMobile = true, HasTouch = true });
        await page.GotoAsync(address);
        await Assertions.Expect(page.Locator("#status-corpus")).ToHaveTextAsync("3 papers");
        await Assertions.Expect(page.Locator("#download-model")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#status-model")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^Retrieval-only"));

        var header = page.Locator("header.topbar");
        var compact = await header.BoundingBoxAsync();
        Assert.NotNull(compact);
        Assert.True(compact.Height <= 0.12 * Phone.Height, $"the header is {compact.Height} px high, {compact.Height / Phone.Height:P0} of the screen");
        Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= 390"), "the page scrolls sideways");
        await Chromium.ScreenshotAsync(page, "phone-header");
        AssertNoSeriousViolations(await page.RunAxe(), "phone header");

        // The toggle shows the whole status (every line of it) and hides it again.
        var toggle = page.Locator("#status-toggle");
        await Assertions.Expect(toggle).ToHaveAttributeAsync("aria-expanded", "false");
        await toggle.ClickAsync();
        await Assertions.Expect(toggle).ToHaveAttributeAsync("aria-expanded", "true");
        var model = page.Locator("#status-model");
        Assert.True(await model.EvaluateAsync<bool>("e => e.scrollWidth <= e.clientWidth"), "the expanded status is still cut");
        Assert.True((await header.BoundingBoxAsync())!.Height > compact.Height);
        await toggle.ClickAsync();
        Assert.Equal(compact.Height, (await header.BoundingBoxAsync())!.Height, 1.0);

        // The toggle is only for narrow screens.
        await page.SetViewportSizeAsync(Desktop.Width, Desktop.Height);
        await Assertions.Expect(toggle).ToBeHiddenAsync();
        Assert.Empty(chromium.Errors);
    }

    // The opacity the element is drawn with: its own times its ancestors' (opacity is not inherited).
    private static async Task<double> OpacityAsync(ILocator element) =>
        await element.EvaluateAsync<double>("e => { let o = 1; for (; e; e = e.parentElement) o *= Number(getComputedStyle(e).opacity); return o; }");
}
