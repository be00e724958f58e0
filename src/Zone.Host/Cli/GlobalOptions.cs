using System.CommandLine;
using Zone.Host.Configuration;

namespace Zone.Host.Cli;

/// <summary>Options every command accepts, and the configuration they produce.</summary>
public static class GlobalOptions
{
    public static readonly Option<string?> ConfigFile = new("--config")
    {
        Description = "A HOCON file of zone.* settings layered over hocon/zone.conf",
        Recursive = true,
    };

    public static readonly Option<string[]> Set = new("--set")
    {
        Description = "Override one setting, e.g. --set zone.persistence.provider=memory (repeatable)",
        Recursive = true,
        AllowMultipleArgumentsPerToken = false,
    };

    public static readonly Option<string?> DataDirectory = new("--data")
    {
        Description = "Directory for databases and outputs (zone.data-dir)",
        Recursive = true,
    };

    public static readonly Option<bool> Json = new("--json") { Description = "Print one JSON object on stdout instead of tables" };

    public static void AddTo(RootCommand root)
    {
        root.Options.Add(ConfigFile);
        root.Options.Add(Set);
        root.Options.Add(DataDirectory);
    }

    public static ZoneConfiguration LoadConfiguration(ParseResult parse) =>
        ZoneConfiguration.Load(parse.GetValue(ConfigFile), parse.GetValue(Set), parse.GetValue(DataDirectory));
}
