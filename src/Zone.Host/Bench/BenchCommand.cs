using System.CommandLine;
using System.Text.Json;
using Zone.Host.Cli;

namespace Zone.Host.Bench;

public static class BenchCommand
{
    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, WriteIndented = false };

    public static Command Create()
    {
        var suite = new Argument<string?>("suite")
        {
            Description = "Suite to run: " + string.Join(", ", BenchSuites.All.Select(s => s.Name)),
            Arity = ArgumentArity.ZeroOrOne,
        };
        var command = new Command("bench", "Measure a capability against the raw limit beneath it, in one run") { suite, GlobalOptions.Json };
        command.SetZoneAction(async (parse, cancellationToken) =>
        {
            var name = parse.GetValue(suite);
            if (name is null)
            {
                foreach (var s in BenchSuites.All) Console.WriteLine($"{s.Name,-12} {s.Description}");
                return 0;
            }
            var selected = BenchSuites.All.SingleOrDefault(s => s.Name == name)
                ?? throw new ZoneUsageException($"unknown bench suite '{name}'; known suites: {string.Join(", ", BenchSuites.All.Select(s => s.Name))}");
            var configuration = GlobalOptions.LoadConfiguration(parse);
            var context = new BenchContext(configuration,
                TimeSpan.FromSeconds(configuration.Range("zone.bench.warmup-seconds", 0, 3600)),
                TimeSpan.FromSeconds(configuration.Range("zone.bench.measure-seconds", 1, 3600)),
                line => Console.Error.WriteLine($"[bench {name}] {line}"));
            var report = await selected.RunAsync(context, cancellationToken);
            Console.WriteLine(parse.GetValue(GlobalOptions.Json) ? ToJson(report) : ToTable(report));
            return 0;
        });
        return command;
    }

    public static string ToJson(BenchReport report) => JsonSerializer.Serialize(new
    {
        suite = report.Suite,
        machine = report.Machine,
        results = report.Results,
        ratios = report.Ratios,
        notes = report.Notes,
    }, JsonOptions);

    public static string ToTable(BenchReport report)
    {
        var m = report.Machine;
        var lines = new List<string> { $"suite {report.Suite} on {m.Cores} cores, {m.Cpu}, {m.Runtime}", "" };
        var width = Math.Max(10, report.Results.Concat<object>(report.Ratios).Select(r => r is BenchResult b ? b.Name.Length : ((BenchRatio)r).Name.Length).DefaultIfEmpty(10).Max());
        lines.AddRange(report.Results.Select(r => $"  {r.Name.PadRight(width)}  {Format(r.Value),14}  {r.Unit}"));
        if (report.Ratios.Count > 0) lines.Add("");
        lines.AddRange(report.Ratios.Select(r => $"  {r.Name.PadRight(width)}  {r.Value,14:0.000}  (of {r.Of})"));
        if (report.Notes.Count > 0) lines.Add("");
        lines.AddRange(report.Notes.Select(n => $"  note: {n}"));
        return string.Join('\n', lines);
    }

    private static string Format(double value) => Math.Abs(value) >= 1000 ? value.ToString("N0") : value.ToString("0.###");
}
