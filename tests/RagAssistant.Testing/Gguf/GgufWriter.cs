using RagAssistant.LlamaCpp.Gguf;

namespace RagAssistant.Testing.Gguf;

/// <summary>
/// Writes GGUF version 3 files: metadata of every GGUF value type and F32/F16/BF16 tensors, data aligned as llama.cpp
/// expects. Tensor values are pulled from a <see cref="GgufTensorDataSource"/> at write time, so a model larger
/// than memory can be generated. Used by the tests and the benchmark to make synthetic models.
/// </summary>
public sealed class GgufWriter
{
    private const uint Version = 3;

    private readonly List<KeyValuePair<string, GgufValue>> _metadata = [];
    private readonly HashSet<string> _keys = new(StringComparer.Ordinal);
    private readonly List<PendingTensor> _tensors = [];
    private readonly HashSet<string> _tensorNames = new(StringComparer.Ordinal);

    /// <param name="alignment">Data alignment; anything other than the default 32 is recorded as <c>general.alignment</c>.</param>
    public GgufWriter(uint alignment = GgufReader.DefaultAlignment)
    {
        if (alignment == 0 || (alignment & (alignment - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(alignment), alignment, "Alignment must be a power of two.");
        }

        Alignment = alignment;
        if (alignment != GgufReader.DefaultAlignment)
        {
            AddMetadata(GgufKeys.Alignment, GgufValue.FromUInt32(alignment));
        }
    }

    /// <summary>Alignment of tensor data in bytes.</summary>
    public uint Alignment { get; }

    /// <summary>Adds a metadata entry. Keys must be unique.</summary>
    public GgufWriter AddMetadata(string key, GgufValue value)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(value);
        if (value.IsSummarized)
        {
            throw new ArgumentException($"Metadata '{key}' is a summarised array without its elements.", nameof(value));
        }

        if (!_keys.Add(key))
        {
            throw new ArgumentException($"Metadata key '{key}' was already added.", nameof(key));
        }

        _metadata.Add(new(key, value));
        return this;
    }

    public GgufWriter AddMetadata(string key, string value) => AddMetadata(key, GgufValue.FromString(value));

    public GgufWriter AddMetadata(string key, uint value) => AddMetadata(key, GgufValue.FromUInt32(value));

    public GgufWriter AddMetadata(string key, int value) => AddMetadata(key, GgufValue.FromInt32(value));

    public GgufWriter AddMetadata(string key, float value) => AddMetadata(key, GgufValue.FromFloat32(value));

    public GgufWriter AddMetadata(string key, bool value) => AddMetadata(key, GgufValue.FromBool(value));

    /// <summary>Adds a tensor whose values <paramref name="source"/> produces when the file is written.</summary>
    /// <param name="dimensions">ggml shape, row length first.</param>
    public GgufWriter AddTensor(string name, IReadOnlyList<long> dimensions, GgmlType type, GgufTensorDataSource source)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(dimensions);
        ArgumentNullException.ThrowIfNull(source);
        if (type is not (GgmlType.F32 or GgmlType.F16 or GgmlType.BF16))
        {
            throw new ArgumentException($"Only F32, F16 and BF16 tensors can be written, not {GgmlTypeTraits.GetName(type)}; quantize with llama.cpp afterwards.", nameof(type));
        }

        if (dimensions.Count is 0 or > 4 || dimensions.Any(d => d <= 0))
        {
            throw new ArgumentException($"Tensor '{name}' needs 1 to 4 positive dimensions.", nameof(dimensions));
        }

        if (!_tensorNames.Add(name))
        {
            throw new ArgumentException($"Tensor '{name}' was already added.", nameof(name));
        }

        GgmlTypeTraits.TryGetBlockLayout(type, out _, out int typeSize);
        long elements = dimensions.Aggregate(1L, (product, d) => checked(product * d));
        _tensors.Add(new PendingTensor(name, [.. dimensions], type, elements, checked(elements * typeSize), source));
        return this;
    }

    /// <summary>Adds a tensor from values already in memory (copied).</summary>
    public GgufWriter AddTensor(string name, IReadOnlyList<long> dimensions, ReadOnlySpan<float> values, GgmlType type = GgmlType.F32)
    {
        float[] copy = values.ToArray();
        long expected = dimensions.Aggregate(1L, (product, d) => product * d);
        if (copy.LongLength != expected)
        {
            throw new ArgumentException($"Tensor '{name}' has shape [{string.Join(", ", dimensions)}] = {expected:N0} values, but {copy.Length:N0} were given.", nameof(values));
        }

        return AddTensor(name, dimensions, type, sink => sink.Write(copy));
    }

    /// <summary>
    /// Writes the file to <paramref name="path"/>, through a temporary file that is renamed at the end, so an
    /// interrupted write never leaves a partial file behind under the final name.
    /// </summary>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string fullPath = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(fullPath)!);
        string temporary = fullPath + ".part";
        try
        {
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1 << 20))
            {
                WriteTo(stream);
            }

            File.Move(temporary, fullPath, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>Writes the whole file to <paramref name="output"/>.</summary>
    public void WriteTo(Stream output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var writer = new GgufStreamWriter(output);

        writer.Write(GgufReader.Magic);
        writer.WriteUInt32(Version);
        writer.WriteUInt64((ulong)_tensors.Count);
        writer.WriteUInt64((ulong)_metadata.Count);

        foreach ((string key, GgufValue value) in _metadata)
        {
            writer.WriteString(key);
            writer.WriteValue(value);
        }

        long offset = 0;
        foreach (PendingTensor tensor in _tensors)
        {
            writer.WriteString(tensor.Name);
            writer.WriteUInt32((uint)tensor.Dimensions.Length);
            foreach (long dimension in tensor.Dimensions)
            {
                writer.WriteUInt64((ulong)dimension);
            }

            writer.WriteUInt32((uint)tensor.Type);
            writer.WriteUInt64((ulong)offset);
            offset = GgufReader.AlignUp(offset + tensor.ByteSize, Alignment);
        }

        writer.PadTo(GgufReader.AlignUp(writer.Position, Alignment));

        foreach (PendingTensor tensor in _tensors)
        {
            var sink = new GgufTensorSink(output, tensor.Name, tensor.Type, tensor.ElementCount);
            tensor.Source(sink);
            if (sink.Remaining != 0)
            {
                throw new InvalidOperationException($"Tensor '{tensor.Name}' was given {tensor.ElementCount - sink.Remaining:N0} of its {tensor.ElementCount:N0} values.");
            }

            writer.Advance(tensor.ByteSize);
            writer.PadTo(GgufReader.AlignUp(writer.Position, Alignment));
        }

        output.Flush();
    }

    private sealed record PendingTensor(string Name, long[] Dimensions, GgmlType Type, long ElementCount, long ByteSize, GgufTensorDataSource Source);
}
