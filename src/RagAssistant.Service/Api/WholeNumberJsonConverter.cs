using System.Text.Json;
using System.Text.Json.Serialization;

namespace RagAssistant.Service.Api;

/// <summary>
/// Reads a whole-number field of a request body (<c>top_k</c>, <c>max_tokens</c>) of any size, so that its limit check,
/// not the JSON reader, judges it: a number beyond the .NET integer would otherwise be refused as "not a whole number".
/// The field is then capped at the server's limit or refused with its range, as that field's rule says. Numbers that
/// are not whole (<c>1.5</c>) and other JSON types (<c>"5"</c>) are still refused, as binding refuses any wrong type.
/// </summary>
/// <remarks>
/// Beyond <see cref="long"/> (about 9.2 × 10^18) a number is read as <see cref="long.MaxValue"/> or
/// <see cref="long.MinValue"/>: above any maximum, below any minimum, which is all a limit check needs; the range's
/// message (<c>ValueRange</c>) then says "a number far larger than 20" rather than long's limit, which the client did not send.
/// </remarks>
internal sealed class WholeNumberJsonConverter : JsonConverter<long?>
{
    // 2^63 as a double: the first whole number beyond long.
    private const double Beyond = 9_223_372_036_854_775_808d;

    /// <inheritdoc/>
    public override long? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Number)
        {
            if (reader.TryGetInt64(out var value))
            {
                return value;
            }

            // Too large for long, or written with an exponent (1e3): whole when the double has no fraction.
            if (reader.TryGetDouble(out var number) && double.IsFinite(number) && Math.Floor(number) == number)
            {
                return number >= Beyond ? long.MaxValue : number < -Beyond ? long.MinValue : (long)number;
            }
        }

        // Binding turns this into the 400 that names the field and says it must be a whole number.
        throw new JsonException();
    }

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, long? value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (value is { } number)
        {
            writer.WriteNumberValue(number);
        }
        else
        {
            writer.WriteNullValue();
        }
    }
}
