using System.Text;

namespace Zone.Inference.Data;

/// <summary>
/// The language model's 96 tokens: newline and the 95 printable ASCII characters. Text is normalised
/// before training (tabs become spaces, backspace overstriking and other characters are dropped), so
/// every token id maps back to exactly one character.
/// </summary>
public static class CharacterVocabulary
{
    public const int Size = 96;
    private const int FirstPrintable = 32;

    public static long Encode(char c) => c == '\n' ? 0 : c - FirstPrintable + 1;

    public static long[] Encode(string text) => Normalize(text).Select(Encode).ToArray();

    public static char Decode(long token) =>
        token is >= 0 and < Size ? (token == 0 ? '\n' : (char)(token - 1 + FirstPrintable)) : throw new ArgumentOutOfRangeException(nameof(token), token, "not a token id");

    public static string Decode(IEnumerable<long> tokens) => new(tokens.Select(Decode).ToArray());

    public static string Normalize(string text)
    {
        var normalized = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (c == '\b' && normalized.Length > 0) normalized.Length--; // overstriking: "_\bx" is an underlined x
            else if (c == '\t') normalized.Append(' ');
            else if (c == '\n' || c is >= ' ' and <= '~') normalized.Append(c);
        }
        return normalized.ToString();
    }
}
