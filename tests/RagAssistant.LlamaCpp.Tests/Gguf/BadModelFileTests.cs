using System.Buffers.Binary;
using System.Text;
using RagAssistant.LlamaCpp.Gguf;
using RagAssistant.LlamaCpp.Runtime;

using RagAssistant.Testing.Gguf;
using RagAssistant.Testing.Models;

namespace RagAssistant.LlamaCpp.Tests.Gguf;

/// <summary>Every kind of bad model file gives a <see cref="ModelFileException"/> that names the file, the problem and the fix.</summary>
public sealed class BadModelFileTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void A_missing_file_is_refused_with_the_path_to_check()
    {
        string path = _folder.File("nope.gguf");

        ModelFileException error = AssertRejected(path, ModelFileProblem.Missing);

        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
        Assert.Contains("check the --model path", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_folder_instead_of_a_file_is_called_a_folder() =>
        Assert.Contains("is a folder", AssertRejected(_folder.Path, ModelFileProblem.Missing).Message, StringComparison.Ordinal);

    [Fact]
    public void An_empty_file_is_called_empty()
    {
        string path = Write("empty.gguf", []);

        Assert.Contains("is empty", AssertRejected(path, ModelFileProblem.Empty).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_text_file_renamed_to_gguf_is_not_GGUF_and_a_download_is_offered_in_the_front_ends_words()
    {
        string path = Write("notes.gguf", Encoding.UTF8.GetBytes("These are my notes about the model.\nNot a model.\n"));

        ModelFileException error = AssertRejected(path, ModelFileProblem.NotGguf);

        Assert.Contains("is not a GGUF file (it starts with 'Thes': a text file", error.Message, StringComparison.Ordinal);
        Assert.Contains("Fix: download the default chat model again (see the README), or point --model / ChatModel:ModelPath at another .gguf file.", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("dotnet", error.Message, StringComparison.Ordinal); // the adapter cannot know how the program was started

        // The front end says how: the same error, file, problem and cause, its fix in those words.
        var advised = error.WithDownloadAdvice("download the default one with `ragassistant models download chat`");
        Assert.Contains("Fix: download the default one with `ragassistant models download chat`, or point --model / ChatModel:ModelPath at another .gguf file.", advised.Message, StringComparison.Ordinal);
        Assert.Equal((error.FilePath, error.Problem, error.Role), (advised.FilePath, advised.Problem, advised.Role));
    }

    [Theory]
    [InlineData("<!DOCTYPE html><html><body>404 Not Found</body></html>", "HTML page")]
    [InlineData("version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 1234\n", "git lfs pull")]
    [InlineData("PK\u0003\u0004 zipped stuff", "zip archive")]
    [InlineData("tjgg\u0001\u0000\u0000\u0000 old model", "legacy GGML")]
    public void Other_formats_are_named(string content, string expected)
    {
        string path = Write("other.gguf", Encoding.Latin1.GetBytes(content));

        Assert.Contains(expected, AssertRejected(path, ModelFileProblem.NotGguf).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Random_bytes_are_not_GGUF(int seed)
    {
        byte[] bytes = new byte[4096];
        new Random(seed).NextBytes(bytes);

        AssertRejected(Write("random.gguf", bytes), ModelFileProblem.NotGguf);
    }

    [Fact]
    public void A_file_too_short_for_a_header_is_not_GGUF() =>
        AssertRejected(Write("tiny.gguf", "GG"u8.ToArray()), ModelFileProblem.NotGguf);

    [Theory]
    [InlineData(6)] // inside the version
    [InlineData(20)] // inside the counts
    [InlineData(100)] // inside the token array
    [InlineData(9000)] // inside the scores
    [InlineData(13_000)] // inside the tensor table
    [InlineData(14_160)] // in the padding before the data
    [InlineData(500_000)] // inside the tensor data
    [InlineData(1_185_375)] // one byte short
    public void Truncated_copies_of_a_real_model_are_truncated_and_say_to_download_it_again(int length)
    {
        byte[] stories = File.ReadAllBytes(TestPaths.Stories);
        string path = Write("stories-cut.gguf", stories[..length]);

        ModelFileException error = AssertRejected(path, ModelFileProblem.Truncated);

        Assert.Contains("download it again", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Truncated_tensor_data_names_the_tensor()
    {
        byte[] stories = File.ReadAllBytes(TestPaths.Stories);
        string path = Write("stories-cut.gguf", stories[..1_100_000]);

        ModelFileException error = AssertRejected(path, ModelFileProblem.Truncated);

        Assert.Contains("the data of tensor 'blk.4.ffn_down.weight' ends at byte 1,141,088", error.Message, StringComparison.Ordinal);
        Assert.Contains("the file has only 1,100,000 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_weightless_model_with_its_tensor_table_but_no_tensor_data_is_truncated()
    {
        // What llama.cpp's "only_meta" GGUF writers produce: header, metadata and tensor table, then nothing.
        string model = _folder.File("tiny.gguf");
        SyntheticLlamaModel.WriteTiny(model);
        GgufFileInfo info = GgufReader.Read(model);
        string path = Write("weightless.gguf", File.ReadAllBytes(model)[..(int)info.DataOffset]);

        ModelFileException error = AssertRejected(path, ModelFileProblem.Truncated);

        Assert.Contains($"has no tensor data: its {info.Tensors.Count} tensors", error.Message, StringComparison.Ordinal);
        Assert.Contains("download it again", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_weightless_model_declaring_no_tensors_is_truncated_when_its_weights_are_needed()
    {
        // A model's header and metadata (architecture, block count, vocabulary) with every tensor cut away.
        string model = _folder.File("tiny.gguf");
        SyntheticLlamaModel.WriteTiny(model);
        var writer = new GgufWriter();
        foreach ((string key, GgufValue value) in GgufReader.Read(model).Metadata)
        {
            writer.AddMetadata(key, value);
        }

        string path = _folder.File("weightless.gguf");
        writer.Save(path);

        ModelFileException error = Assert.Throws<ModelFileException>(() => GgufValidator.Validate(path, requireTensorData: true));
        ModelFileException load = Assert.Throws<ModelFileException>(() => LlamaModel.Load(path));

        Assert.Equal(ModelFileProblem.Truncated, error.Problem);
        Assert.Contains("has no tensor data: it declares no tensors", error.Message, StringComparison.Ordinal);
        Assert.Contains("download it again", error.Message, StringComparison.Ordinal);
        Assert.Equal(ModelFileProblem.Truncated, load.Problem); // not llama.cpp's "failed to load" (NotLoadable, "tensor type")
        Assert.DoesNotContain("tensor type", load.Message, StringComparison.Ordinal);
        Assert.Empty(GgufValidator.Validate(path).Tensors); // a vocabulary-only load needs no weights
    }

    [Theory]
    [InlineData(1u, "version 1")]
    [InlineData(4u, "version 4")]
    [InlineData(0x03000000u, "big-endian")]
    public void Unsupported_versions_are_named(uint version, string expected)
    {
        byte[] bytes = File.ReadAllBytes(TestPaths.Stories);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), version);

        Assert.Contains(expected, AssertRejected(Write("version.gguf", bytes), ModelFileProblem.UnsupportedVersion).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_architecture_is_named()
    {
        string path = _folder.File("future.gguf");
        new GgufWriter().AddMetadata(GgufKeys.Architecture, "llama99").AddTensor("w", [4], [1f, 2f, 3f, 4f]).Save(path);

        ModelFileException error = AssertRejected(path, ModelFileProblem.UnsupportedArchitecture);

        Assert.Contains("declares architecture 'llama99'", error.Message, StringComparison.Ordinal);
        Assert.NotNull(GgufReader.Read(path)); // structurally fine: only the validator refuses it
    }

    [Fact]
    public void A_missing_architecture_is_named()
    {
        string path = _folder.File("anonymous.gguf");
        new GgufWriter().AddMetadata(GgufKeys.Name, "who knows").Save(path);

        Assert.Contains("declares no model architecture", AssertRejected(path, ModelFileProblem.UnsupportedArchitecture).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_multimodal_projector_is_refused_as_mmproj()
    {
        string path = _folder.File("mmproj.gguf");
        new GgufWriter().AddMetadata(GgufKeys.Architecture, "clip").Save(path);

        Assert.Contains("mmproj", AssertRejected(path, ModelFileProblem.UnsupportedArchitecture).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(8, "tensor count")] // n_tensors
    [InlineData(16, "metadata count")] // n_kv
    [InlineData(24, "key #1")] // length of the first key
    public void Absurd_counts_are_rejected_without_allocating(int fieldOffset, string expected)
    {
        byte[] bytes = File.ReadAllBytes(TestPaths.Stories);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(fieldOffset), ulong.MaxValue / 3);

        ModelFileException error = AssertRejected(Write("absurd.gguf", bytes), ModelFileProblem.Corrupt);

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_absurd_array_length_names_the_array()
    {
        // First entry is tokenizer.ggml.tokens: key length (8) + key (21) + type (4) + element type (4), then the count.
        byte[] bytes = File.ReadAllBytes(TestPaths.Stories);
        int countOffset = 24 + 8 + "tokenizer.ggml.tokens".Length + 4 + 4;
        Assert.Equal(512ul, BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(countOffset)));
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(countOffset), 1ul << 40);

        Assert.Contains("tokenizer.ggml.tokens", AssertRejected(Write("array.gguf", bytes), ModelFileProblem.Corrupt).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(99u, "unknown type 99")]
    [InlineData(4u, "unknown type 4")] // a removed type
    [InlineData(8u, "not a multiple of the q8_0 block size 32")] // 5 floats cannot be Q8_0 rows
    public void Bad_tensor_types_are_corrupt_and_named(uint type, string expected)
    {
        string path = _folder.File("typed.gguf");
        new GgufWriter().AddMetadata(GgufKeys.Architecture, "llama").AddTensor("w", [5], [1f, 2f, 3f, 4f, 5f]).Save(path);
        byte[] bytes = File.ReadAllBytes(path);
        int typeOffset = IndexOf(bytes, "\u0001\0\0\0\0\0\0\0w"u8) + 9 + 4 + 8; // name, n_dims, dim
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(typeOffset), type);

        Assert.Contains(expected, AssertRejected(Write("typed.gguf", bytes), ModelFileProblem.Corrupt).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Overlapping_tensors_are_corrupt()
    {
        string path = _folder.File("overlap.gguf");
        new GgufWriter().AddMetadata(GgufKeys.Architecture, "llama")
            .AddTensor("a", [16], new float[16]).AddTensor("b", [16], new float[16]).Save(path);
        byte[] bytes = File.ReadAllBytes(path);
        int offsetOfB = IndexOf(bytes, "\u0001\0\0\0\0\0\0\0b"u8) + 9 + 4 + 8 + 4;
        Assert.Equal(64ul, BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(offsetOfB)));
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(offsetOfB), 32);

        Assert.Contains("overlap", AssertRejected(Write("overlap.gguf", bytes), ModelFileProblem.Corrupt).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Corrupted_bytes_never_escape_as_anything_but_a_ModelFileException()
    {
        // Flip random bytes in the header, metadata and tensor table of a real model: whatever the damage,
        // the validator either accepts the file or says why not; it never throws anything else or hangs.
        byte[] original = File.ReadAllBytes(TestPaths.Stories);
        var random = new Random(42);
        string path = _folder.File("fuzz.gguf");
        int rejected = 0;
        for (int round = 0; round < 150; round++)
        {
            byte[] bytes = (byte[])original.Clone();
            for (int flips = random.Next(1, 4); flips > 0; flips--)
            {
                bytes[random.Next(0, 14_176)] = (byte)random.Next(256);
            }

            int length = round % 3 == 0 ? random.Next(0, bytes.Length) : bytes.Length;
            File.WriteAllBytes(path, bytes[..length]);
            try
            {
                GgufValidator.Validate(path);
            }
            catch (ModelFileException error)
            {
                Assert.Equal(path, error.FilePath);
                Assert.Contains(path, error.Message, StringComparison.Ordinal);
                rejected++;
            }
        }

        Assert.InRange(rejected, 50, 150);
    }

    private static ModelFileException AssertRejected(string path, ModelFileProblem problem)
    {
        ModelFileException error = Assert.Throws<ModelFileException>(() => GgufValidator.Validate(path));
        Assert.Equal(problem, error.Problem);
        Assert.Equal(Path.GetFullPath(path), error.FilePath);
        Assert.StartsWith($"Model file '{Path.GetFullPath(path)}' ", error.Message, StringComparison.Ordinal);
        Assert.Contains("Fix: ", error.Message, StringComparison.Ordinal);
        return error;
    }

    private string Write(string name, byte[] bytes)
    {
        string path = _folder.File(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static int IndexOf(byte[] haystack, ReadOnlySpan<byte> needle)
    {
        int index = haystack.AsSpan().IndexOf(needle);
        Assert.True(index >= 0, "marker not found");
        return index;
    }
}
