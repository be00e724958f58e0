using Akka.Configuration;

namespace Zone.Host.Configuration;

/// <summary>One source of configuration (defaults, a file, --set, the environment) and the name errors use for it.</summary>
public sealed record ConfigLayer(string Source, Config Config)
{
    public static ConfigLayer FromText(string source, string hocon)
    {
        if (HoconSyntax.FindError(hocon) is { } syntaxError) throw new ZoneConfigException($"{source}: not valid HOCON: {syntaxError}");
        try
        {
            return new ConfigLayer(source, ConfigurationFactory.ParseString(hocon));
        }
        catch (Exception e) when (e is ConfigurationException or FormatException or InvalidOperationException or ArgumentException)
        {
            throw new ZoneConfigException($"{source}: not valid HOCON: {e.Message}");
        }
    }

    public static ConfigLayer FromFile(string path)
    {
        if (!File.Exists(path)) throw new ZoneConfigException($"--config {path}: file not found");
        return FromText($"--config {path}", File.ReadAllText(path));
    }

    /// <summary>A `key=value` pair as given to --set or the environment: the value is HOCON if it parses as such, else a string.</summary>
    public static ConfigLayer FromAssignment(string source, string key, string value)
    {
        if (!System.Text.RegularExpressions.Regex.IsMatch(key, @"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$"))
            throw new ZoneConfigException($"{source}: '{key}' is not a configuration key (expected e.g. zone.persistence.provider)");
        try
        {
            return new ConfigLayer(source, ConfigurationFactory.ParseString($"{key} = {value}"));
        }
        catch (Exception e) when (e is ConfigurationException or FormatException or InvalidOperationException or ArgumentException)
        {
            return new ConfigLayer(source, ConfigurationFactory.ParseString($"{key} = {Zone.Actors.Hosting.PersistenceHocon.Quote(value)}"));
        }
    }
}

public sealed class ZoneConfigException(string message) : Exception(message);
