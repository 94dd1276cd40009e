using RagAssistant.Core.Evidence;

namespace RagAssistant.Core.Tests.Evidence;

public sealed class ClaimSplitterTests
{
    private const string Refusal = "The provided sources do not answer this question.";

    // "text | cited numbers", so claims compare by value.
    private static List<string> Split(string answer) =>
        [.. ClaimSplitter.Split(answer, Refusal).Select(c => $"{c.Text} | {string.Join(",", c.Cited)}")];

    [Fact]
    public void Sentences_are_claims_and_courtesy_headings_and_the_refusal_are_not()
    {
        var claims = Split("Sure! Here is what the papers say:\n\nDiffusion-LM denoises continuous word vectors [1]. Steering vectors control sentiment [2]. Diffusion models also need many sampling steps.\n\nI hope this helps.");

        Assert.Equal(
            [
                "Diffusion-LM denoises continuous word vectors [1]. | 1",
                "Steering vectors control sentiment [2]. | 2",
                "Diffusion models also need many sampling steps. | ",
            ],
            claims);
        Assert.Empty(Split(Refusal));
        Assert.Empty(Split("In summary:"));
    }

    [Fact]
    public void A_sentence_citing_several_sources_at_several_places_is_split_into_its_cited_parts()
    {
        Assert.Equal(
            ["Sparse experts keep compute flat [1] | 1", "while the annealing area predicts the loss curve [2]. | 2"],
            Split("Sparse experts keep compute flat [1], while the annealing area predicts the loss curve [2]."));

        // Markers side by side, or a part too short to claim anything, cite the one claim together.
        Assert.Equal(["Both papers study capacity density [1][3]. | 1,3"], Split("Both papers study capacity density [1][3]."));
        Assert.Equal(["Both [1] and [2] study capacity density growth. | 1,2"], Split("Both [1] and [2] study capacity density growth."));
    }

    [Fact]
    public void A_marker_after_the_full_stop_belongs_to_the_sentence_before_it_and_list_bullets_are_dropped()
    {
        Assert.Equal(
            ["Capacity density doubles every three months. [1] | 1", "Loss follows the annealing area [2]. | 2"],
            Split("Capacity density doubles every three months. [1] Loss follows the annealing area [2]."));
        Assert.Equal(
            ["Routing picks experts per token [3] | 3", "Fitting one curve predicts the loss [2] | 2"],
            Split("- Routing picks experts per token [3]\n- Fitting one curve predicts the loss [2]"));
    }

    [Fact]
    public void Streaming_hands_out_a_claim_once_the_next_sentence_has_begun()
    {
        var splitter = new ClaimSplitter(Refusal);

        Assert.Empty(splitter.Push("Capacity density doubles every"));
        Assert.Empty(splitter.Push(" three months [1]."));
        Assert.Empty(splitter.Push(" [2]"));
        var first = Assert.Single(splitter.Push(" Loss is"));
        Assert.Equal("Capacity density doubles every three months [1]. [2]", first.Text);
        Assert.Equal([1, 2], first.Cited);
        Assert.Empty(splitter.Push(" predictable from one curve"));
        var last = Assert.Single(splitter.Flush());
        Assert.Equal("Loss is predictable from one curve", last.Text);
        Assert.Empty(last.Cited);
    }
}
