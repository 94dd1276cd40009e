namespace RagAssistant.LlamaCpp.Gguf;

/// <summary>The type tag of a GGUF metadata value, as stored in the file (<c>gguf_type</c>).</summary>
// The member names are the GGUF specification's type names (GGUF_TYPE_UINT8, ...), so they mirror CLR type names on purpose.
#pragma warning disable CA1720 // Identifier contains type name
public enum GgufValueType : uint
{
    /// <summary>Unsigned 8-bit integer (byte).</summary>
    UInt8 = 0,

    /// <summary>Signed 8-bit integer (sbyte).</summary>
    Int8 = 1,

    /// <summary>Unsigned 16-bit integer.</summary>
    UInt16 = 2,

    /// <summary>Signed 16-bit integer.</summary>
    Int16 = 3,

    /// <summary>Unsigned 32-bit integer.</summary>
    UInt32 = 4,

    /// <summary>Signed 32-bit integer.</summary>
    Int32 = 5,

    /// <summary>32-bit IEEE float.</summary>
    Float32 = 6,

    /// <summary>Boolean, one byte (0 or 1).</summary>
    Bool = 7,

    /// <summary>UTF-8 string with a 64-bit length prefix.</summary>
    String = 8,

    /// <summary>Typed array: element type, 64-bit count, then the elements.</summary>
    Array = 9,

    /// <summary>Unsigned 64-bit integer.</summary>
    UInt64 = 10,

    /// <summary>Signed 64-bit integer.</summary>
    Int64 = 11,

    /// <summary>64-bit IEEE float.</summary>
    Float64 = 12,
}
#pragma warning restore CA1720
