using RagAssistant.Core.VectorStore;

namespace RagAssistant.Core.Tests.VectorStore;

public sealed class ExactVectorIndexTests
{
    [Fact]
    public void Vectors_across_several_blocks_are_stored_found_and_their_slots_reused()
    {
        var count = (2 * ExactVectorIndex.BlockVectors) + 300;
        var index = new ExactVectorIndex(3, normalize: false);
        for (var i = 0; i < count; i++)
        {
            Assert.Equal(i, index.Add([i, 1, 0]));
        }

        // The vectors either side of a block boundary and the last of all read back as written.
        foreach (var slot in new[] { ExactVectorIndex.BlockVectors - 1, ExactVectorIndex.BlockVectors, count - 1 })
        {
            Assert.Equal([slot, 1, 0], index.Get(slot).ToArray());
        }

        // Dot products with (1, 0, 0) are the slot numbers: every block is searched.
        Assert.Equal([(count - 1, count - 1f), (count - 2, count - 2f)], index.Search([1, 0, 0], 2));

        index.Remove(count - 1);
        index.Remove(5);
        Assert.Equal(count - 2, index.Search([1, 0, 0], 1)[0].Slot);
        Assert.Equal(5, index.Add([0, 0, 7]));
        Assert.Equal((5, 7f), index.Search([0, 0, 1], 1)[0]);
        Assert.Equal(count - 1, index.Count);
    }
}
