using Spectre.Console;
using Spectre.Console.Rendering;

namespace RagAssistant.Console.Rendering;

/// <summary>
/// An entry of a list ("  [10] Title (date)"): the label right-aligned in a column as wide as the list's widest label,
/// the text after it wrapped at words with every further line under the text's start (a hanging indent), so the
/// titles of a list start in one column whether they are [1] or [10]. Nothing follows a line's last word: a Spectre
/// Grid pads every line of a cell with spaces to the terminal's width.
/// </summary>
/// <param name="label">The label ("[10]", "2. ✓"); empty for text under an entry (a passage under its title).</param>
/// <param name="labelWidth">The width of the list's label column, in cells.</param>
/// <param name="content">The text; Spectre wraps it to the width left.</param>
/// <param name="margin">Cells before the label column.</param>
internal sealed class HangingIndent(string label, int labelWidth, IRenderable content, int margin = 2) : IRenderable
{
    private int Indent => margin + labelWidth + 1;

    /// <summary>The label column's width for <paramref name="labels"/>: the widest of them.</summary>
    public static int Width(IEnumerable<string> labels) => labels.Select(l => new Segment(l).CellCount()).DefaultIfEmpty(0).Max();

    /// <inheritdoc/>
    public Measurement Measure(RenderOptions options, int maxWidth)
    {
        var inner = content.Measure(options, Math.Max(1, maxWidth - Indent));
        return new Measurement(Math.Min(maxWidth, Indent + inner.Min), Math.Min(maxWidth, Indent + inner.Max));
    }

    /// <inheritdoc/>
    public IEnumerable<Segment> Render(RenderOptions options, int maxWidth)
    {
        var lines = Segment.SplitLines(content.Render(options, Math.Max(1, maxWidth - Indent)));
        var first = new string(' ', margin + Math.Max(0, labelWidth - new Segment(label).CellCount())) + label + " ";
        var continuation = new string(' ', Indent);
        for (var i = 0; i < Math.Max(1, lines.Count); i++)
        {
            var line = i < lines.Count ? TrimEnd(lines[i]) : [];
            yield return new Segment(line.Count == 0 ? (i == 0 ? first : continuation).TrimEnd() : i == 0 ? first : continuation);
            foreach (var segment in line)
            {
                yield return segment;
            }

            yield return Segment.LineBreak;
        }
    }

    // The line without the spaces a renderer may pad it with.
    private static List<Segment> TrimEnd(IEnumerable<Segment> line)
    {
        var segments = line.Where(s => !s.IsLineBreak).ToList();
        while (segments.Count > 0 && !segments[^1].IsControlCode && string.IsNullOrWhiteSpace(segments[^1].Text))
        {
            segments.RemoveAt(segments.Count - 1);
        }

        if (segments.Count > 0 && !segments[^1].IsControlCode)
        {
            segments[^1] = new Segment(segments[^1].Text.TrimEnd(), segments[^1].Style);
        }

        return segments;
    }
}
