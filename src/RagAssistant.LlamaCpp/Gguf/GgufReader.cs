using System.Numerics;
using System.Text;

namespace RagAssistant.LlamaCpp.Gguf;

/// <summary>
/// Reads the header, metadata and tensor table of a GGUF file (v2 or v3) without reading tensor data,
/// checking every count, length and offset against the file so that no input can make it allocate
/// unbounded memory or crash. Problems surface as <see cref="ModelFileException"/>.
/// Use <see cref="GgufValidator"/> to also check the file is a model llama.cpp can run.
/// </summary>
internal static class GgufReader
{
    /// <summary>Arrays longer than this are summarised instead of read into memory.</summary>
    public const long MaxMaterializedArrayLength = 1 << 24;

    /// <summary>The four bytes every GGUF file starts with.</summary>
    public static ReadOnlySpan<byte> Magic => "GGUF"u8;

    internal const uint DefaultAlignment = 32;
    private const int MaxDimensions = 4;
    private const int HeaderBytes = 24;

    // Smallest possible encodings, used to reject counts that cannot fit in what is left of the file.
    private const int MinKeyValueBytes = 8 + 4 + 1;
    private const int MinTensorInfoBytes = 8 + 4 + 8 + 4 + 8;

    /// <summary>Reads <paramref name="path"/>. Throws <see cref="ModelFileException"/> when the file is missing, unreadable or not valid GGUF.</summary>
    /// <param name="path">The model file.</param>
    /// <param name="role">What the file is for: the fix in an error names that model's download and setting.</param>
    public static GgufFileInfo Read(string path, ModelFileRole role = ModelFileRole.Chat)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string fullPath = Path.GetFullPath(path);

        if (Directory.Exists(fullPath))
        {
            throw ModelFileErrors.Create(fullPath, ModelFileProblem.Missing, $"is a folder, not a model file ({DescribeFolder(fullPath)})", role);
        }

        if (!File.Exists(fullPath))
        {
            throw ModelFileErrors.Create(fullPath, ModelFileProblem.Missing, "does not exist", role);
        }

        try
        {
            using var stream = new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16, FileOptions.SequentialScan);
            return Read(stream, fullPath);
        }
        catch (GgufFormatException ex)
        {
            throw ModelFileErrors.Create(fullPath, ex.Problem, ex.Message, role, ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw ModelFileErrors.Create(fullPath, ModelFileProblem.Unreadable, $"cannot be read ({ex.Message})", role, ex);
        }
    }

    // Which file to pick instead: the .gguf files the folder holds, a few by name.
    private static string DescribeFolder(string folder)
    {
        var models = Directory.EnumerateFiles(folder, "*.gguf").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        return models.Count switch
        {
            0 => "it holds no .gguf file",
            <= 5 => $"pick one of its .gguf files: {string.Join(", ", models)}",
            _ => $"pick one of its {models.Count} .gguf files, e.g. {string.Join(", ", models.Take(5))}",
        };
    }

    private static GgufFileInfo Read(FileStream stream, string fullPath)
    {
        long length = stream.Length;
        if (length == 0)
        {
            throw new GgufFormatException(ModelFileProblem.Empty, "is empty (0 bytes)");
        }

        var reader = new GgufStreamReader(stream, length);
        ReadMagic(reader);
        uint version = ReadVersion(reader);

        ulong tensorCount = reader.ReadUInt64("the header (tensor count)");
        ulong keyValueCount = reader.ReadUInt64("the header (metadata count)");
        reader.EnsureCountFits(keyValueCount, MinKeyValueBytes, "the header's metadata count");
        reader.EnsureCountFits(tensorCount, MinTensorInfoBytes, "the header's tensor count");

        var metadata = new Dictionary<string, GgufValue>(StringComparer.Ordinal);
        for (ulong i = 0; i < keyValueCount; i++)
        {
            string key = reader.ReadString($"the metadata (key #{i + 1})");
            if (key.Length == 0)
            {
                throw new GgufFormatException(ModelFileProblem.Corrupt, $"metadata entry #{i + 1} has an empty key");
            }

            GgufValue value = ReadValue(reader, key);
            if (!metadata.TryAdd(key, value))
            {
                throw new GgufFormatException(ModelFileProblem.Corrupt, $"metadata key '{key}' appears twice");
            }
        }

        uint alignment = ReadAlignment(metadata);
        List<GgufTensorInfo> tensors = ReadTensorTable(reader, tensorCount, alignment);
        long dataOffset = AlignUp(reader.Position, alignment);
        CheckTensorData(tensors, dataOffset, length);

        return new GgufFileInfo(fullPath, version, length, (int)alignment, dataOffset, metadata, tensors);
    }

    private static void ReadMagic(GgufStreamReader reader)
    {
        if (reader.Remaining < Magic.Length)
        {
            throw new GgufFormatException(ModelFileProblem.NotGguf, $"is not a GGUF file (only {reader.Remaining} bytes long)");
        }

        Span<byte> head = stackalloc byte[(int)Math.Min(reader.Remaining, 64)];
        for (int i = 0; i < Magic.Length; i++)
        {
            head[i] = reader.ReadUInt8("the header");
        }

        if (head[..Magic.Length].SequenceEqual(Magic))
        {
            return;
        }

        // Not GGUF: read a little more to tell the user what the file is instead.
        for (int i = Magic.Length; i < head.Length; i++)
        {
            head[i] = reader.ReadUInt8("the header");
        }

        throw new GgufFormatException(ModelFileProblem.NotGguf, ForeignFormat.Describe(head));
    }

    private static uint ReadVersion(GgufStreamReader reader)
    {
        uint version = reader.ReadUInt32("the header (version)");
        if (version is 2 or 3)
        {
            return version;
        }

        // Written on a big-endian machine: the version reads byte-swapped.
        if (BitConverter.IsLittleEndian && System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(version) is 2 or 3)
        {
            throw new GgufFormatException(ModelFileProblem.UnsupportedVersion, "is a big-endian GGUF file, which this little-endian machine cannot load");
        }

        string detail = version == 1
            ? "is GGUF version 1, an early format llama.cpp no longer reads"
            : $"is GGUF version {version}, but this build reads only versions 2 and 3";
        throw new GgufFormatException(ModelFileProblem.UnsupportedVersion, detail);
    }

    private static GgufValue ReadValue(GgufStreamReader reader, string key)
    {
        uint rawType = reader.ReadUInt32($"the type of metadata '{key}'");
        if (!Enum.IsDefined(typeof(GgufValueType), rawType))
        {
            throw new GgufFormatException(ModelFileProblem.Corrupt, $"metadata '{key}' has unknown value type {rawType}");
        }

        var type = (GgufValueType)rawType;
        if (type != GgufValueType.Array)
        {
            return ReadScalar(reader, type, key);
        }

        uint rawElementType = reader.ReadUInt32($"the element type of array '{key}'");
        if (!Enum.IsDefined(typeof(GgufValueType), rawElementType) || rawElementType == (uint)GgufValueType.Array)
        {
            // llama.cpp rejects nested arrays too.
            throw new GgufFormatException(ModelFileProblem.Corrupt, $"metadata array '{key}' has unsupported element type {rawElementType}");
        }

        var elementType = (GgufValueType)rawElementType;
        ulong count = reader.ReadUInt64($"the length of array '{key}'");
        reader.EnsureCountFits(count, MinEncodedSize(elementType), $"metadata array '{key}'");

        if (count > MaxMaterializedArrayLength)
        {
            SkipArray(reader, elementType, count, key);
            return GgufValue.Summarized(elementType, (long)count);
        }

        return GgufValue.FromArray(elementType, ReadArray(reader, elementType, (int)count, key));
    }

    private static GgufValue ReadScalar(GgufStreamReader reader, GgufValueType type, string key)
    {
        string what = $"metadata '{key}'";
        return type switch
        {
            GgufValueType.UInt8 => GgufValue.FromUInt8(reader.ReadUInt8(what)),
            GgufValueType.Int8 => GgufValue.FromInt8(unchecked((sbyte)reader.ReadUInt8(what))),
            GgufValueType.UInt16 => GgufValue.FromUInt16(reader.ReadUInt16(what)),
            GgufValueType.Int16 => GgufValue.FromInt16(unchecked((short)reader.ReadUInt16(what))),
            GgufValueType.UInt32 => GgufValue.FromUInt32(reader.ReadUInt32(what)),
            GgufValueType.Int32 => GgufValue.FromInt32(unchecked((int)reader.ReadUInt32(what))),
            GgufValueType.Float32 => GgufValue.FromFloat32(reader.ReadFloat32(what)),
            GgufValueType.Bool => GgufValue.FromBool(reader.ReadUInt8(what) != 0),
            GgufValueType.String => GgufValue.FromString(reader.ReadString(what)),
            GgufValueType.UInt64 => GgufValue.FromUInt64(reader.ReadUInt64(what)),
            GgufValueType.Int64 => GgufValue.FromInt64(unchecked((long)reader.ReadUInt64(what))),
            GgufValueType.Float64 => GgufValue.FromFloat64(reader.ReadFloat64(what)),
            _ => throw new GgufFormatException(ModelFileProblem.Corrupt, $"{what} has unsupported type {type}"),
        };
    }

    private static Array ReadArray(GgufStreamReader reader, GgufValueType elementType, int count, string key)
    {
        string what = $"metadata array '{key}'";
        switch (elementType)
        {
            case GgufValueType.String:
                var strings = new string[count];
                for (int i = 0; i < count; i++)
                {
                    strings[i] = reader.ReadString(what);
                }

                return strings;
            case GgufValueType.UInt8: return Fill(new byte[count], () => reader.ReadUInt8(what));
            case GgufValueType.Int8: return Fill(new sbyte[count], () => unchecked((sbyte)reader.ReadUInt8(what)));
            case GgufValueType.UInt16: return Fill(new ushort[count], () => reader.ReadUInt16(what));
            case GgufValueType.Int16: return Fill(new short[count], () => unchecked((short)reader.ReadUInt16(what)));
            case GgufValueType.UInt32: return Fill(new uint[count], () => reader.ReadUInt32(what));
            case GgufValueType.Int32: return Fill(new int[count], () => unchecked((int)reader.ReadUInt32(what)));
            case GgufValueType.Float32: return Fill(new float[count], () => reader.ReadFloat32(what));
            case GgufValueType.Bool: return Fill(new bool[count], () => reader.ReadUInt8(what) != 0);
            case GgufValueType.UInt64: return Fill(new ulong[count], () => reader.ReadUInt64(what));
            case GgufValueType.Int64: return Fill(new long[count], () => unchecked((long)reader.ReadUInt64(what)));
            case GgufValueType.Float64: return Fill(new double[count], () => reader.ReadFloat64(what));
            default: throw new GgufFormatException(ModelFileProblem.Corrupt, $"{what} has unsupported element type {elementType}");
        }
    }

    private static T[] Fill<T>(T[] items, Func<T> next)
    {
        for (int i = 0; i < items.Length; i++)
        {
            items[i] = next();
        }

        return items;
    }

    private static void SkipArray(GgufStreamReader reader, GgufValueType elementType, ulong count, string key)
    {
        string what = $"metadata array '{key}'";
        if (elementType != GgufValueType.String)
        {
            reader.Skip(count * (ulong)MinEncodedSize(elementType), what);
            return;
        }

        for (ulong i = 0; i < count; i++)
        {
            reader.SkipString(what);
        }
    }

    private static int MinEncodedSize(GgufValueType type) => type switch
    {
        GgufValueType.UInt8 or GgufValueType.Int8 or GgufValueType.Bool => 1,
        GgufValueType.UInt16 or GgufValueType.Int16 => 2,
        GgufValueType.UInt32 or GgufValueType.Int32 or GgufValueType.Float32 => 4,
        GgufValueType.UInt64 or GgufValueType.Int64 or GgufValueType.Float64 or GgufValueType.String => 8,
        _ => 8,
    };

    private static uint ReadAlignment(Dictionary<string, GgufValue> metadata)
    {
        if (!metadata.TryGetValue(GgufKeys.Alignment, out GgufValue? value))
        {
            return DefaultAlignment;
        }

        if (value.Value is not uint alignment || alignment == 0 || !BitOperations.IsPow2(alignment))
        {
            throw new GgufFormatException(ModelFileProblem.Corrupt, $"'{GgufKeys.Alignment}' must be a power-of-two uint32, but is {value.Type} {value}");
        }

        return alignment;
    }

    private static List<GgufTensorInfo> ReadTensorTable(GgufStreamReader reader, ulong tensorCount, uint alignment)
    {
        var tensors = new List<GgufTensorInfo>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (ulong i = 0; i < tensorCount; i++)
        {
            string name = reader.ReadString($"the tensor table (name of tensor #{i + 1})");
            string what = $"the tensor table (tensor '{name}')";
            if (!names.Add(name))
            {
                throw new GgufFormatException(ModelFileProblem.Corrupt, $"tensor '{name}' appears twice in the tensor table");
            }

            uint dimensionCount = reader.ReadUInt32(what);
            if (dimensionCount is 0 or > MaxDimensions)
            {
                throw new GgufFormatException(ModelFileProblem.Corrupt, $"tensor '{name}' has {dimensionCount} dimensions (ggml allows 1 to {MaxDimensions})");
            }

            long[] dimensions = new long[dimensionCount];
            long elements = 1;
            for (int d = 0; d < dimensions.Length; d++)
            {
                ulong dimension = reader.ReadUInt64(what);
                if (dimension > long.MaxValue || (dimension > 0 && elements > long.MaxValue / (long)dimension))
                {
                    throw new GgufFormatException(ModelFileProblem.Corrupt, $"tensor '{name}' has an impossible shape (dimension {d} is {dimension:N0})");
                }

                dimensions[d] = (long)dimension;
                elements *= (long)dimension;
            }

            uint rawType = reader.ReadUInt32(what);
            var type = (GgmlType)rawType;
            if (!GgmlTypeTraits.TryGetBlockLayout(type, out int blockSize, out int typeSize))
            {
                throw new GgufFormatException(ModelFileProblem.Corrupt, $"tensor '{name}' has unknown type {rawType} (a newer quantization than the bundled llama.cpp knows, or a damaged file)");
            }

            if (dimensions[0] % blockSize != 0)
            {
                throw new GgufFormatException(ModelFileProblem.Corrupt, $"tensor '{name}' has rows of {dimensions[0]} elements, not a multiple of the {GgmlTypeTraits.GetName(type)} block size {blockSize}");
            }

            long byteSize = elements / blockSize > long.MaxValue / typeSize
                ? throw new GgufFormatException(ModelFileProblem.Corrupt, $"tensor '{name}' is impossibly large")
                : elements / blockSize * typeSize;

            ulong offset = reader.ReadUInt64(what);
            if (offset > long.MaxValue || offset % alignment != 0)
            {
                throw new GgufFormatException(ModelFileProblem.Corrupt, $"tensor '{name}' has offset {offset:N0}, which is not a multiple of the file's alignment {alignment}");
            }

            tensors.Add(new GgufTensorInfo(name, dimensions, type, (long)offset, byteSize));
        }

        return tensors;
    }

    private static void CheckTensorData(List<GgufTensorInfo> tensors, long dataOffset, long fileLength)
    {
        if (tensors.Count > 0 && fileLength <= dataOffset)
        {
            // A "weightless" file: header, metadata and tensor table written (llama.cpp's only_meta), no data.
            throw new GgufFormatException(
                ModelFileProblem.Truncated,
                $"has no tensor data: its {tensors.Count} tensors should start at byte {dataOffset:N0}, where the file ends ({fileLength:N0} bytes)");
        }

        long previousEnd = 0;
        string? previousName = null;
        foreach (GgufTensorInfo tensor in tensors.OrderBy(t => t.Offset))
        {
            if (tensor.Offset < previousEnd)
            {
                throw new GgufFormatException(ModelFileProblem.Corrupt, $"the data of tensors '{previousName}' and '{tensor.Name}' overlap");
            }

            // Int128: offsets and sizes come from the file and may be near long.MaxValue.
            Int128 end = (Int128)dataOffset + tensor.Offset + tensor.ByteSize;
            if (end > fileLength)
            {
                throw new GgufFormatException(
                    ModelFileProblem.Truncated,
                    $"is truncated: the data of tensor '{tensor.Name}' ends at byte {end:N0} but the file has only {fileLength:N0} bytes");
            }

            previousEnd = tensor.Offset + tensor.ByteSize;
            previousName = tensor.Name;
        }
    }

    internal static long AlignUp(long position, uint alignment) => (position + alignment - 1) / alignment * alignment;

    /// <summary>Names what a non-GGUF file most likely is, from its first bytes, so the message can say what to do instead.</summary>
    private static class ForeignFormat
    {
        public static string Describe(ReadOnlySpan<byte> head)
        {
            string text = Encoding.UTF8.GetString(head);
            string start = Quote(head[..Math.Min(head.Length, 4)]);

            if (text.StartsWith("version https://git-lfs", StringComparison.Ordinal))
            {
                return "is a Git LFS pointer, not the model itself (run 'git lfs pull', or download the file directly)";
            }

            if (text.TrimStart().StartsWith('<'))
            {
                return $"is not a GGUF file (it starts with '{start}', like an HTML page: probably an error page saved instead of the model)";
            }

            if (head.Length >= 4 && (head[..4].SequenceEqual("lmgg"u8) || head[..4].SequenceEqual("tjgg"u8) || head[..4].SequenceEqual("fmgg"u8)))
            {
                return "is a legacy GGML/GGJT model, a format llama.cpp stopped reading in 2023 (get the GGUF version of the model)";
            }

            if (head.Length >= 2 && head[0] == (byte)'P' && head[1] == (byte)'K')
            {
                return "is not a GGUF file (it starts with 'PK': a zip archive or PyTorch checkpoint, not a llama.cpp model)";
            }

            if (head.Length >= 9 && head[8] == (byte)'{')
            {
                return "is not a GGUF file (it looks like a safetensors file: convert it with llama.cpp's convert_hf_to_gguf.py or download a GGUF)";
            }

            return LooksLikeText(head)
                ? $"is not a GGUF file (it starts with '{start}': a text file, not a model)"
                : $"is not a GGUF file (it starts with bytes {Convert.ToHexString(head[..Math.Min(head.Length, 4)])} instead of 'GGUF')";
        }

        private static bool LooksLikeText(ReadOnlySpan<byte> head)
        {
            foreach (byte b in head)
            {
                if (b < 0x09 || (b > 0x0D && b < 0x20) || b == 0x7F)
                {
                    return false;
                }
            }

            return true;
        }

        private static string Quote(ReadOnlySpan<byte> bytes)
        {
            var builder = new StringBuilder();
            foreach (byte b in bytes)
            {
                builder.Append(b is >= 0x20 and < 0x7F ? (char)b : '?');
            }

            return builder.ToString();
        }
    }
}
