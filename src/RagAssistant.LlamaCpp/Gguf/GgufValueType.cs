namespace RagAssistant.LlamaCpp.Gguf;

/// <summary>The type tag of a GGUF metadata value, as stored in the file (<c>gguf_type</c>).</summary>
// The member names are the GGUF specification's type names (GGUF_TYPE_UINT8, ...), so they mirror CLR type names on purpose.
#pragma warning disable CA1720 // Identifier contains type name
public enum GgufValueType : uint
{
    UInt8 = 0,
    Int8 = 1,
    UInt16 = 2,
    Int16 = 3,
    UInt32 = 4,
    Int32 = 5,
    Float32 = 6,
    Bool = 7,
    String = 8,
    Array = 9,
    UInt64 = 10,
    Int64 = 11,
    Float64 = 12,
}
#pragma warning restore CA1720
