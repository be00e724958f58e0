using Zone.Host.Configuration;

namespace Zone.Host.Tests.Configuration;

public sealed class HoconSyntaxTests
{
    [Theory]
    [InlineData("zone { cluster { port = 1 ", "line 1: '{' is never closed")]
    [InlineData("zone {\n  port = 1\n}\n}", "line 4: '}' closes nothing")]
    [InlineData("zone {\n roles = [a, b}\n", "line 2: '}' closes the '[' opened on line 2")]
    [InlineData("zone.a = \"unterminated\nzone.b = 1", "line 1: a string is never closed")]
    [InlineData("zone.a = \"\"\"never", "line 1: a \"\"\" string is never closed")]
    public void Unbalanced_text_is_reported_with_its_line(string text, string expected) =>
        Assert.Equal(expected, HoconSyntax.FindError(text));

    [Theory]
    [InlineData("zone { a = \"}{\" } # a comment with { and \"\nzone.b = [1, 2] // also }")]
    [InlineData("zone.c = \"\"\"multi\nline { \"\"\"\nzone.d = \"escaped \\\" quote\"")]
    public void Balanced_text_with_brackets_in_strings_and_comments_passes(string text) => Assert.Null(HoconSyntax.FindError(text));
}
