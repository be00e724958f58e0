namespace Zone.Host.Configuration;

/// <summary>
/// Structural checks Akka's lenient HOCON parser does not make: it silently accepts an unclosed '{', a stray '}'
/// or an unterminated string, so a half-edited file would run with settings its author never meant.
/// </summary>
public static class HoconSyntax
{
    /// <summary>Null when the braces, brackets and strings of <paramref name="text"/> are balanced; else what is wrong and on which line.</summary>
    public static string? FindError(string text)
    {
        var open = new Stack<(char Bracket, int Line)>();
        var line = 1;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\n') { line++; continue; }
            if (c == '#' || (c == '/' && i + 1 < text.Length && text[i + 1] == '/'))
            {
                while (i + 1 < text.Length && text[i + 1] != '\n') i++;
                continue;
            }
            if (c == '"')
            {
                var error = SkipString(text, ref i, ref line);
                if (error is not null) return error;
                continue;
            }
            if (c is '{' or '[') open.Push((c, line));
            else if (c is '}' or ']')
            {
                var expected = c == '}' ? '{' : '[';
                if (open.Count == 0) return $"line {line}: '{c}' closes nothing";
                var (bracket, openedOn) = open.Pop();
                if (bracket != expected) return $"line {line}: '{c}' closes the '{bracket}' opened on line {openedOn}";
            }
        }
        return open.Count == 0 ? null : $"line {open.Peek().Line}: '{open.Peek().Bracket}' is never closed";
    }

    private static string? SkipString(string text, ref int i, ref int line)
    {
        var startLine = line;
        if (string.CompareOrdinal(text, i, "\"\"\"", 0, 3) == 0)
        {
            var end = text.IndexOf("\"\"\"", i + 3, StringComparison.Ordinal);
            if (end < 0) return $"line {startLine}: a \"\"\" string is never closed";
            line += text.AsSpan(i, end - i).Count('\n');
            i = end + 2;
            return null;
        }
        for (i++; i < text.Length; i++)
        {
            if (text[i] == '\\') { i++; continue; }
            if (text[i] == '"') return null;
            if (text[i] == '\n') break;
        }
        return $"line {startLine}: a string is never closed";
    }
}
