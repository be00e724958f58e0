using System.CommandLine;
using Zone.Host.Cli;

namespace Zone.Host.Configuration;

public static class ConfigCommand
{
    public static Command Create()
    {
        var show = new Option<bool>("--show") { Description = "Print every zone.* key with its effective value and where it came from" };
        var command = new Command("config", "Validate and show the effective configuration (defaults < --config < --set < ZONE__* environment)") { show };
        command.SetZoneAction((parse, _) =>
        {
            var configuration = GlobalOptions.LoadConfiguration(parse);
            // Every section is built as its command would build it, so a bad value fails here, not mid-run.
            configuration.ToSettings();
            Ledger.LedgerConfiguration.Ledger(configuration);
            Ledger.LedgerConfiguration.Settlement(configuration);
            Models.InferenceConfiguration.From(configuration);
            if (!parse.GetValue(show))
            {
                Console.WriteLine("configuration is valid (use --show to print it)");
                return Task.FromResult(0);
            }
            Console.Write(Render(configuration));
            return Task.FromResult(0);
        });
        return command;
    }

    /// <summary>Numbers and booleans as they are, everything else quoted, so the output is valid HOCON.</summary>
    private static string Literal(string? text) =>
        double.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out _) || text is "true" or "false" or "on" or "off"
            ? text!
            : Actors.Hosting.PersistenceHocon.Quote(text ?? "");

    public static string Render(ZoneConfiguration configuration)
    {
        var lines = ConfigSchema.Leaves(configuration.Config.GetConfig("zone").Root, "zone")
            .OrderBy(l => l.Path, StringComparer.Ordinal)
            .Select(l => (l.Path, Value: ConfigSchema.IsList(l.Value)
                ? "[" + string.Join(", ", (l.Value.IsArray() ? l.Value.GetArray() : []).Select(v => Literal(v.GetString()))) + "]"
                : Literal(l.Value.GetString())))
            .ToList();
        var width = lines.Max(l => l.Path.Length + l.Value.Length + 3);
        return string.Concat(lines.Select(l => $"{$"{l.Path} = {l.Value}".PadRight(width)}  # {configuration.SourceOf(l.Path)}\n"));
    }
}
