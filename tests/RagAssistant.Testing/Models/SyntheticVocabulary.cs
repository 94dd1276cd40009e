using System.Globalization;

using RagAssistant.LlamaCpp.Gguf;
using RagAssistant.Testing.Gguf;

namespace RagAssistant.Testing.Models;

/// <summary>
/// A SentencePiece-style vocabulary (<c>tokenizer.ggml.model = llama</c>) for synthetic models: <c>&lt;unk&gt;</c>,
/// <c>&lt;s&gt;</c>, <c>&lt;/s&gt;</c>, optional ChatML control tokens, the 256 byte-fallback tokens (so any text
/// tokenizes), then printable pieces (characters, '▁'-prefixed words, letter combinations) until the size is reached.
/// </summary>
public sealed class SyntheticVocabulary
{
    /// <summary>Token id of <c>&lt;unk&gt;</c>.</summary>
    public const int UnknownId = 0;

    /// <summary>Token id of <c>&lt;s&gt;</c> (BOS).</summary>
    public const int BosId = 1;

    /// <summary>Token id of <c>&lt;/s&gt;</c> (EOS).</summary>
    public const int EosId = 2;

    /// <summary>SentencePiece's word-boundary marker (U+2581), which stands for a space.</summary>
    public const string SpaceMarker = "\u2581";

    internal const int MinimumSize = 3 + 2 + 256 + 64;

    // llama_token_type: NORMAL 1, UNKNOWN 2, CONTROL 3, USER_DEFINED 4, UNUSED 5, BYTE 6.
    private const int Normal = 1;
    private const int Unknown = 2;
    private const int Control = 3;
    private const int Byte = 6;

    private static readonly string[] CommonWords =
    [
        "the", "of", "and", "to", "a", "in", "is", "that", "for", "it", "on", "with", "as", "was", "are", "be", "this", "by",
        "we", "model", "models", "paper", "method", "results", "data", "language", "learning", "retrieval", "answer", "question",
        "Once", "upon", "time", "there", "little", "girl", "boy", "day", "play", "happy", "big", "Hello", "world", "The", "It",
    ];

    private SyntheticVocabulary(string[] tokens, float[] scores, int[] tokenTypes, IReadOnlyList<int> controlTokenIds)
    {
        Tokens = tokens;
        Scores = scores;
        TokenTypes = tokenTypes;
        ControlTokenIds = controlTokenIds;
    }

    /// <summary>Token texts, by id.</summary>
    public string[] Tokens { get; }

    /// <summary>SentencePiece scores (higher merges first), by id.</summary>
    public float[] Scores { get; }

    /// <summary>llama.cpp token types, by id.</summary>
    public int[] TokenTypes { get; }

    /// <summary>Ids of the unknown and control tokens (BOS, EOS, ChatML markers).</summary>
    public IReadOnlyList<int> ControlTokenIds { get; }

    /// <summary>Builds a vocabulary of exactly <paramref name="size"/> tokens; deterministic for a given size.</summary>
    public static SyntheticVocabulary Create(int size, bool includeChatMarkers)
    {
        if (size < MinimumSize)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, $"A synthetic vocabulary needs at least {MinimumSize} tokens.");
        }

        var tokens = new List<string>(size);
        var types = new List<int>(size);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var controls = new List<int>();

        void Add(string text, int type)
        {
            if (tokens.Count < size && seen.Add(text))
            {
                if (type is Control or Unknown)
                {
                    controls.Add(tokens.Count);
                }

                tokens.Add(text);
                types.Add(type);
            }
        }

        Add("<unk>", Unknown);
        Add("<s>", Control);
        Add("</s>", Control);
        if (includeChatMarkers)
        {
            Add("<|im_start|>", Control);
            Add("<|im_end|>", Control);
        }

        for (int b = 0; b < 256; b++)
        {
            Add(string.Create(CultureInfo.InvariantCulture, $"<0x{b:X2}>"), Byte);
        }

        foreach (string piece in PrintablePieces())
        {
            if (tokens.Count == size)
            {
                break;
            }

            Add(piece, Normal);
        }

        // Earlier pieces are more common: give them higher scores so SentencePiece prefers them.
        float[] scores = new float[tokens.Count];
        for (int i = 0; i < scores.Length; i++)
        {
            scores[i] = types[i] == Normal ? -i : 0f;
        }

        return new SyntheticVocabulary([.. tokens], scores, [.. types], controls);
    }

    private static IEnumerable<string> PrintablePieces()
    {
        const string letters = "abcdefghijklmnopqrstuvwxyz";
        yield return SpaceMarker;
        foreach (char c in letters + letters.ToUpperInvariant() + "0123456789.,!?;:'\"-()")
        {
            yield return c.ToString();
        }

        foreach (char c in letters)
        {
            yield return SpaceMarker + c;
        }

        foreach (string word in CommonWords)
        {
            yield return SpaceMarker + word;
        }

        // Letter combinations of growing length, bare and '▁'-prefixed, until the caller has enough.
        for (int length = 2; ; length++)
        {
            foreach (string combination in Combinations(letters, length))
            {
                yield return combination;
                yield return SpaceMarker + combination;
            }
        }
    }

    private static IEnumerable<string> Combinations(string alphabet, int length)
    {
        int[] indices = new int[length];
        char[] buffer = new char[length];
        while (true)
        {
            for (int i = 0; i < length; i++)
            {
                buffer[i] = alphabet[indices[i]];
            }

            yield return new string(buffer);

            int position = length - 1;
            while (position >= 0 && ++indices[position] == alphabet.Length)
            {
                indices[position] = 0;
                position--;
            }

            if (position < 0)
            {
                yield break;
            }
        }
    }
}
