using System.Globalization;

namespace RagAssistant.LlamaCpp.Gguf;

/// <summary>
/// One GGUF metadata value. Scalars are held boxed in <see cref="Value"/>; strings as <see cref="string"/>;
/// arrays as a typed CLR array (<c>string[]</c>, <c>float[]</c>, <c>int[]</c>, ...). Nested arrays are not supported (llama.cpp rejects them too).
/// Arrays longer than 2^24 (16,777,216) elements are only summarised
/// (<see cref="Value"/> is null, <see cref="Count"/> still says how long they are) so a huge array never has to fit in memory.
/// </summary>
public sealed class GgufValue
{
    private GgufValue(GgufValueType type, GgufValueType? elementType, long count, object? value)
    {
        Type = type;
        ElementType = elementType;
        Count = count;
        Value = value;
    }

    /// <summary>The stored type; <see cref="GgufValueType.Array"/> for arrays.</summary>
    public GgufValueType Type { get; }

    /// <summary>The element type of an array; null for scalars.</summary>
    public GgufValueType? ElementType { get; }

    /// <summary>Number of elements of an array; 1 for scalars.</summary>
    public long Count { get; }

    /// <summary>The value (see the type remarks); null only for an array that was summarised rather than read.</summary>
    public object? Value { get; }

    /// <summary>True for an array whose elements were skipped because it is too long to hold in memory.</summary>
    public bool IsSummarized => Type == GgufValueType.Array && Value is null;

    /// <summary>A scalar of type <see cref="GgufValueType.UInt8"/>.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The value, tagged with its GGUF type.</returns>
    public static GgufValue FromUInt8(byte value) => new(GgufValueType.UInt8, null, 1, value);

    /// <summary>A scalar of type <see cref="GgufValueType.Int8"/>.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The value, tagged with its GGUF type.</returns>
    public static GgufValue FromInt8(sbyte value) => new(GgufValueType.Int8, null, 1, value);

    /// <summary>A scalar of type <see cref="GgufValueType.UInt16"/>.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The value, tagged with its GGUF type.</returns>
    public static GgufValue FromUInt16(ushort value) => new(GgufValueType.UInt16, null, 1, value);

    /// <summary>A scalar of type <see cref="GgufValueType.Int16"/>.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The value, tagged with its GGUF type.</returns>
    public static GgufValue FromInt16(short value) => new(GgufValueType.Int16, null, 1, value);

    /// <summary>A scalar of type <see cref="GgufValueType.UInt32"/>.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The value, tagged with its GGUF type.</returns>
    public static GgufValue FromUInt32(uint value) => new(GgufValueType.UInt32, null, 1, value);

    /// <summary>A scalar of type <see cref="GgufValueType.Int32"/>.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The value, tagged with its GGUF type.</returns>
    public static GgufValue FromInt32(int value) => new(GgufValueType.Int32, null, 1, value);

    /// <summary>A scalar of type <see cref="GgufValueType.Float32"/>.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The value, tagged with its GGUF type.</returns>
    public static GgufValue FromFloat32(float value) => new(GgufValueType.Float32, null, 1, value);

    /// <summary>A scalar of type <see cref="GgufValueType.Bool"/>.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The value, tagged with its GGUF type.</returns>
    public static GgufValue FromBool(bool value) => new(GgufValueType.Bool, null, 1, value);

    /// <summary>A <see cref="GgufValueType.String"/> scalar.</summary>
    /// <param name="value">The string; written as UTF-8.</param>
    /// <returns>The value, tagged with its GGUF type.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="value"/> is null.</exception>
    public static GgufValue FromString(string value) => new(GgufValueType.String, null, 1, value ?? throw new ArgumentNullException(nameof(value)));

    /// <summary>A scalar of type <see cref="GgufValueType.UInt64"/>.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The value, tagged with its GGUF type.</returns>
    public static GgufValue FromUInt64(ulong value) => new(GgufValueType.UInt64, null, 1, value);

    /// <summary>A scalar of type <see cref="GgufValueType.Int64"/>.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The value, tagged with its GGUF type.</returns>
    public static GgufValue FromInt64(long value) => new(GgufValueType.Int64, null, 1, value);

    /// <summary>A scalar of type <see cref="GgufValueType.Float64"/>.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The value, tagged with its GGUF type.</returns>
    public static GgufValue FromFloat64(double value) => new(GgufValueType.Float64, null, 1, value);

    /// <summary>An array value. <paramref name="elements"/> must be the CLR array that matches <paramref name="elementType"/>.</summary>
    /// <param name="elementType">The GGUF type of each element (not <see cref="GgufValueType.Array"/>: nested arrays are not supported).</param>
    /// <param name="elements">The elements as <c>byte[]</c>, <c>string[]</c>, <c>float[]</c>, ... matching <paramref name="elementType"/>; held, not copied.</param>
    /// <returns>The array value.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="elements"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="elements"/> is not the CLR array type of <paramref name="elementType"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="elementType"/> is <see cref="GgufValueType.Array"/> or not a GGUF type.</exception>
    public static GgufValue FromArray(GgufValueType elementType, Array elements)
    {
        ArgumentNullException.ThrowIfNull(elements);
        Type expected = ClrArrayType(elementType);
        if (elements.GetType() != expected)
        {
            throw new ArgumentException($"A GGUF array of {elementType} must be a {expected.Name}, not a {elements.GetType().Name}.", nameof(elements));
        }

        return new GgufValue(GgufValueType.Array, elementType, elements.LongLength, elements);
    }

    /// <summary>An array of <see cref="GgufValueType.String"/> elements.</summary>
    /// <param name="values">The elements; the array is held, not copied.</param>
    /// <returns>The array value.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="values"/> is null.</exception>
    public static GgufValue FromArray(string[] values) => FromArray(GgufValueType.String, values);

    /// <summary>An array of <see cref="GgufValueType.Float32"/> elements.</summary>
    /// <param name="values">The elements; the array is held, not copied.</param>
    /// <returns>The array value.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="values"/> is null.</exception>
    public static GgufValue FromArray(float[] values) => FromArray(GgufValueType.Float32, values);

    /// <summary>An array of <see cref="GgufValueType.Int32"/> elements.</summary>
    /// <param name="values">The elements; the array is held, not copied.</param>
    /// <returns>The array value.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="values"/> is null.</exception>
    public static GgufValue FromArray(int[] values) => FromArray(GgufValueType.Int32, values);

    /// <summary>An array of <see cref="GgufValueType.UInt32"/> elements.</summary>
    /// <param name="values">The elements; the array is held, not copied.</param>
    /// <returns>The array value.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="values"/> is null.</exception>
    public static GgufValue FromArray(uint[] values) => FromArray(GgufValueType.UInt32, values);

    internal static GgufValue Summarized(GgufValueType elementType, long count) => new(GgufValueType.Array, elementType, count, null);

    internal static Type ClrArrayType(GgufValueType elementType) => elementType switch
    {
        GgufValueType.UInt8 => typeof(byte[]),
        GgufValueType.Int8 => typeof(sbyte[]),
        GgufValueType.UInt16 => typeof(ushort[]),
        GgufValueType.Int16 => typeof(short[]),
        GgufValueType.UInt32 => typeof(uint[]),
        GgufValueType.Int32 => typeof(int[]),
        GgufValueType.Float32 => typeof(float[]),
        GgufValueType.Bool => typeof(bool[]),
        GgufValueType.String => typeof(string[]),
        GgufValueType.UInt64 => typeof(ulong[]),
        GgufValueType.Int64 => typeof(long[]),
        GgufValueType.Float64 => typeof(double[]),
        _ => throw new ArgumentOutOfRangeException(nameof(elementType), elementType, "Not a GGUF array element type (nested arrays are not supported)."),
    };

    /// <summary>The value as an unsigned integer when it is a non-negative integer scalar of any width.</summary>
    /// <param name="value">The value, or 0 when this returns false.</param>
    /// <returns>False for negative integers, floats, strings, booleans and arrays.</returns>
    public bool TryGetUInt64(out ulong value)
    {
        switch (Value)
        {
            case byte v: value = v; return true;
            case ushort v: value = v; return true;
            case uint v: value = v; return true;
            case ulong v: value = v; return true;
            case sbyte v when v >= 0: value = (ulong)v; return true;
            case short v when v >= 0: value = (ulong)v; return true;
            case int v when v >= 0: value = (ulong)v; return true;
            case long v when v >= 0: value = (ulong)v; return true;
            default: value = 0; return false;
        }
    }

    /// <summary>Short human-readable form; arrays are summarised (type and length, first few elements).</summary>
    public override string ToString()
    {
        if (Type != GgufValueType.Array)
        {
            return Convert.ToString(Value, CultureInfo.InvariantCulture) ?? string.Empty;
        }

        if (Value is not Array items)
        {
            return $"[{ElementType} x {Count}]";
        }

        IEnumerable<string> head = items.Cast<object>().Take(4).Select(o => Convert.ToString(o, CultureInfo.InvariantCulture) ?? string.Empty);
        string more = items.Length > 4 ? ", ..." : string.Empty;
        return $"[{ElementType} x {Count}: {string.Join(", ", head)}{more}]";
    }
}
