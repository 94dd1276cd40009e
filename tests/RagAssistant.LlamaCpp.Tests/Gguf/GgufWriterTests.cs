using System.Buffers.Binary;
using RagAssistant.LlamaCpp.Gguf;

using RagAssistant.Testing.Gguf;
using RagAssistant.Testing.Models;

namespace RagAssistant.LlamaCpp.Tests.Gguf;

public sealed class GgufWriterTests
{
    [Fact]
    public void Every_value_type_round_trips()
    {
        using var folder = new TempFolder();
        string path = folder.File("values.gguf");
        bool[] bools = [true, false, true];
        ulong[] u64s = [0, ulong.MaxValue];
        var writer = new GgufWriter()
            .AddMetadata(GgufKeys.Architecture, "llama")
            .AddMetadata("t.u8", GgufValue.FromUInt8(250))
            .AddMetadata("t.i8", GgufValue.FromInt8(-5))
            .AddMetadata("t.u16", GgufValue.FromUInt16(65_000))
            .AddMetadata("t.i16", GgufValue.FromInt16(-30_000))
            .AddMetadata("t.u32", 4_000_000_000u)
            .AddMetadata("t.i32", -2_000_000_000)
            .AddMetadata("t.f32", 3.25f)
            .AddMetadata("t.bool", true)
            .AddMetadata("t.string", "héllo ▁wörld 🙂")
            .AddMetadata("t.u64", GgufValue.FromUInt64(ulong.MaxValue))
            .AddMetadata("t.i64", GgufValue.FromInt64(long.MinValue))
            .AddMetadata("t.f64", GgufValue.FromFloat64(Math.PI))
            .AddMetadata("t.strings", GgufValue.FromArray(["a", "", "ÿ", "<0x0A>"]))
            .AddMetadata("t.floats", GgufValue.FromArray([1f, -2.5f, float.MaxValue]))
            .AddMetadata("t.ints", GgufValue.FromArray([1, -1, int.MinValue]))
            .AddMetadata("t.bools", GgufValue.FromArray(GgufValueType.Bool, bools))
            .AddMetadata("t.u64s", GgufValue.FromArray(GgufValueType.UInt64, u64s))
            .AddMetadata("t.empty", GgufValue.FromArray(Array.Empty<string>()));
        writer.Save(path);

        GgufFileInfo info = GgufReader.Read(path);

        Assert.Equal(3u, info.Version);
        Assert.Empty(info.Tensors);
        Assert.Equal((byte)250, info.GetValue("t.u8")!.Value);
        Assert.Equal((sbyte)-5, info.GetValue("t.i8")!.Value);
        Assert.Equal((ushort)65_000, info.GetValue("t.u16")!.Value);
        Assert.Equal((short)-30_000, info.GetValue("t.i16")!.Value);
        Assert.Equal(4_000_000_000u, info.GetUInt32("t.u32"));
        Assert.Equal(-2_000_000_000, info.GetValue("t.i32")!.Value);
        Assert.Null(info.GetUInt32("t.i32"));
        Assert.Equal(3.25f, info.GetFloat32("t.f32"));
        Assert.Equal(true, info.GetValue("t.bool")!.Value);
        Assert.Equal("héllo ▁wörld 🙂", info.GetString("t.string"));
        Assert.Equal(ulong.MaxValue, info.GetUInt64("t.u64"));
        Assert.Equal(long.MinValue, info.GetValue("t.i64")!.Value);
        Assert.Equal(Math.PI, info.GetValue("t.f64")!.Value);
        Assert.Equal(["a", "", "ÿ", "<0x0A>"], Assert.IsType<string[]>(info.GetValue("t.strings")!.Value));
        Assert.Equal([1f, -2.5f, float.MaxValue], Assert.IsType<float[]>(info.GetValue("t.floats")!.Value));
        Assert.Equal([1, -1, int.MinValue], Assert.IsType<int[]>(info.GetValue("t.ints")!.Value));
        Assert.Equal([true, false, true], Assert.IsType<bool[]>(info.GetValue("t.bools")!.Value));
        Assert.Equal([0ul, ulong.MaxValue], Assert.IsType<ulong[]>(info.GetValue("t.u64s")!.Value));
        Assert.Equal(0, info.GetValue("t.empty")!.Count);
        Assert.Equal(GgufValueType.String, info.GetValue("t.empty")!.ElementType);
        Assert.Equal("[String x 4: a, , ÿ, <0x0A>]", info.GetValue("t.strings")!.ToString());
    }

    [Theory]
    [InlineData(32u)]
    [InlineData(64u)]
    public void Tensors_are_aligned_and_their_data_round_trips(uint alignment)
    {
        using var folder = new TempFolder();
        string path = folder.File("tensors.gguf");
        float[] a = [1f, -2f, 0.5f, 3.75f, -0.125f];
        float[] b = Enumerable.Range(0, 6).Select(i => i * 0.25f).ToArray();
        float[] c = [1f, -1f, 65504f, 0.333333f];
        new GgufWriter(alignment)
            .AddMetadata(GgufKeys.Architecture, "llama")
            .AddTensor("a", [5], a)
            .AddTensor("b", [3, 2], b, GgmlType.F16)
            .AddTensor("c", [4], c, GgmlType.BF16)
            .Save(path);

        GgufFileInfo info = GgufValidator.Validate(path);

        Assert.Equal((int)alignment, info.Alignment);
        Assert.Equal(alignment == 32 ? null : alignment, info.GetUInt32(GgufKeys.Alignment));
        Assert.Equal(0, info.DataOffset % alignment);
        Assert.Equal(["a", "b", "c"], info.Tensors.Select(t => t.Name));
        Assert.All(info.Tensors, t => Assert.Equal(0, t.Offset % alignment));
        Assert.Equal([3L, 2L], info.Tensors[1].Dimensions);
        Assert.Equal([20L, 12L, 8L], info.Tensors.Select(t => t.ByteSize));

        byte[] file = File.ReadAllBytes(path);
        Assert.Equal(a, Decode(file, info, info.Tensors[0]));
        Assert.Equal(b, Decode(file, info, info.Tensors[1]));
        float[] bf16 = Decode(file, info, info.Tensors[2]);
        Assert.Equal([1f, -1f, 65536f], bf16[..3]); // bf16 keeps 8 mantissa bits: 65504 rounds to 65536
        Assert.Equal(0.333333f, bf16[3], 0.002f);
    }

    [Fact]
    public void Rejects_the_wrong_number_of_values_and_leaves_no_file_behind()
    {
        using var folder = new TempFolder();
        string path = folder.File("short.gguf");
        var writer = new GgufWriter()
            .AddMetadata(GgufKeys.Architecture, "llama")
            .AddTensor("t", [8], GgmlType.F32, sink => sink.Write([1f, 2f]));

        var error = Assert.Throws<InvalidOperationException>(() => writer.Save(path));

        Assert.Contains("'t' was given 2 of its 8 values", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(folder.Path));
        Assert.Throws<ArgumentException>(() => new GgufWriter().AddTensor("x", [2], [1f, 2f, 3f]));
        Assert.Throws<ArgumentException>(() => new GgufWriter().AddMetadata("k", 1).AddMetadata("k", 2));
        Assert.Throws<ArgumentException>(() => new GgufWriter().AddTensor("q", [32], GgmlType.Q4_0, _ => { }));
    }

    [Fact]
    public void Rewriting_stories260K_reproduces_its_structure()
    {
        // Copy every metadata entry and tensor of a real model through the writer: the result must read back identically.
        string source = TestPaths.Stories;
        GgufFileInfo original = GgufReader.Read(source);
        byte[] bytes = File.ReadAllBytes(source);
        var writer = new GgufWriter();
        foreach ((string key, GgufValue value) in original.Metadata)
        {
            writer.AddMetadata(key, value);
        }

        foreach (GgufTensorInfo tensor in original.Tensors)
        {
            float[] values = Decode(bytes, original, tensor);
            writer.AddTensor(tensor.Name, tensor.Dimensions, values);
        }

        using var folder = new TempFolder();
        string copy = folder.File("stories-copy.gguf");
        writer.Save(copy);

        // Same key order, values, tensor table and data: the files are byte-identical.
        Assert.Equal(bytes, File.ReadAllBytes(copy));
    }

    internal static float[] Decode(byte[] file, GgufFileInfo info, GgufTensorInfo tensor)
    {
        var data = file.AsSpan((int)(info.DataOffset + tensor.Offset), (int)tensor.ByteSize);
        var values = new float[tensor.ElementCount];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = tensor.Type switch
            {
                GgmlType.F32 => BinaryPrimitives.ReadSingleLittleEndian(data[(i * 4)..]),
                GgmlType.F16 => (float)BinaryPrimitives.ReadHalfLittleEndian(data[(i * 2)..]),
                GgmlType.BF16 => BitConverter.UInt32BitsToSingle((uint)BinaryPrimitives.ReadUInt16LittleEndian(data[(i * 2)..]) << 16),
                _ => throw new NotSupportedException(tensor.Type.ToString()),
            };
        }

        return values;
    }
}
