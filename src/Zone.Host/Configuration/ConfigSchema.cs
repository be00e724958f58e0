using System.Globalization;
using System.Text.RegularExpressions;
using Akka.Configuration;
using Akka.Configuration.Hocon;

namespace Zone.Host.Configuration;

/// <summary>
/// The shape of zone.* as hocon/zone.conf declares it: every leaf key and the kind of value its default has.
/// A value supplied by a user is checked against it, so a typo fails loudly instead of being ignored.
/// </summary>
public sealed partial class ConfigSchema
{
    public enum ValueKind { Boolean, Integer, Number, Duration, Text, List }

    private readonly Dictionary<string, ValueKind> _leaves;

    public ConfigSchema(Config defaults) => _leaves = Leaves(defaults.Root, "").ToDictionary(l => l.Path, l => KindOf(l.Value), StringComparer.Ordinal);

    public IReadOnlyDictionary<string, ValueKind> Keys => _leaves;

    /// <summary>Throws naming the first key of <paramref name="layer"/> that is unknown or of the wrong type.</summary>
    public void Validate(ConfigLayer layer)
    {
        foreach (var (path, value) in Leaves(layer.Config.Root, ""))
        {
            if (!path.StartsWith("zone.", StringComparison.Ordinal)) continue;
            if (!_leaves.TryGetValue(path, out var expected))
            {
                var prefix = _leaves.Keys.Any(k => k.StartsWith(path + ".", StringComparison.Ordinal)) ? " (it is a section, not a value)" : "";
                throw new ZoneConfigException($"{layer.Source}: unknown key '{path}'{prefix}. Known keys are listed by `zone config --show`.");
            }
            if (!Accepts(expected, value))
                throw new ZoneConfigException($"{layer.Source}: '{path}' expects {Describe(expected)} but found {Show(value)}");
        }
    }

    internal static IEnumerable<(string Path, HoconValue Value)> Leaves(HoconValue? value, string prefix)
    {
        if (value is null) yield break;
        if (value.IsObject())
        {
            foreach (var (key, child) in value.GetObject().Items)
                foreach (var leaf in Leaves(child, prefix.Length == 0 ? key : $"{prefix}.{key}"))
                    yield return leaf;
            yield break;
        }
        yield return (prefix, value);
    }

    private static ValueKind KindOf(HoconValue value)
    {
        if (IsList(value)) return ValueKind.List;
        var text = value.GetString() ?? "";
        if (IsBoolean(text)) return ValueKind.Boolean;
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)) return ValueKind.Integer;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _)) return ValueKind.Number;
        if (DurationPattern().IsMatch(text)) return ValueKind.Duration;
        return ValueKind.Text;
    }

    private static bool Accepts(ValueKind kind, HoconValue value)
    {
        if (kind == ValueKind.List) return IsList(value);
        if (IsList(value) || !value.IsString()) return false;
        var text = value.GetString() ?? "";
        return kind switch
        {
            ValueKind.Boolean => IsBoolean(text),
            ValueKind.Integer => long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _),
            ValueKind.Number => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _),
            ValueKind.Duration => DurationPattern().IsMatch(text),
            _ => true,
        };
    }

    /// <summary>An empty HOCON list is not IsArray() in Akka's parser, but its element is still a HoconArray.</summary>
    internal static bool IsList(HoconValue value) => value.IsArray() || value.Values.Any(v => v is HoconArray);

    private static bool IsBoolean(string text) => text is "true" or "false" or "on" or "off" or "yes" or "no";

    private static string Describe(ValueKind kind) => kind switch
    {
        ValueKind.Boolean => "a boolean (true/false/on/off)",
        ValueKind.Integer => "an integer",
        ValueKind.Number => "a number",
        ValueKind.Duration => "a duration (e.g. 500ms, 60s, 5m)",
        ValueKind.List => "a list [ ... ]",
        _ => "a string",
    };

    private static string Show(HoconValue value) =>
        IsList(value) ? "a list" : value.IsObject() ? "a section { ... }" : $"'{value.GetString() ?? ""}'";

    [GeneratedRegex(@"^\d+(\.\d+)?\s*(ns|us|µs|ms|s|m|h|d|nanos|micros|millis|seconds|minutes|hours|days)$")]
    private static partial Regex DurationPattern();
}
