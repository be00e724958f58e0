namespace Zone.Host.Bench;

public sealed record BenchResult(string Name, double Value, string Unit);

/// <summary><see cref="Value"/> is the result <see cref="Name"/> divided by the baseline result <see cref="Of"/>, both from the same run.</summary>
public sealed record BenchRatio(string Name, double Value, string Of);

public sealed record MachineInfo(int Cores, string Os, string Runtime, string Cpu, double MemoryGiB)
{
    public static MachineInfo Current() => new(
        Environment.ProcessorCount,
        System.Runtime.InteropServices.RuntimeInformation.OSDescription,
        System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription,
        CpuModel(),
        Math.Round(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024 * 1024), 1));

    private static string CpuModel()
    {
        const string cpuInfo = "/proc/cpuinfo";
        if (!File.Exists(cpuInfo)) return "unknown";
        var line = File.ReadLines(cpuInfo).FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
        return line?.Split(':', 2)[1].Trim() ?? "unknown";
    }
}

/// <summary>What one `zone bench SUITE` run measured; printed as a table or as one JSON object.</summary>
public sealed class BenchReport(string suite)
{
    private readonly List<BenchResult> _results = [];
    private readonly List<BenchRatio> _ratios = [];
    private readonly List<string> _notes = [];

    public string Suite { get; } = suite;
    public MachineInfo Machine { get; } = MachineInfo.Current();
    public IReadOnlyList<BenchResult> Results => _results;
    public IReadOnlyList<BenchRatio> Ratios => _ratios;
    public IReadOnlyList<string> Notes => _notes;

    public BenchResult Add(string name, double value, string unit)
    {
        if (_results.Any(r => r.Name == name)) throw new InvalidOperationException($"bench result '{name}' recorded twice");
        var result = new BenchResult(name, value, unit);
        _results.Add(result);
        return result;
    }

    /// <summary>Records result/baseline for two results already added.</summary>
    public BenchRatio AddRatio(string name, string result, string baseline)
    {
        var numerator = Get(result);
        var denominator = Get(baseline);
        var ratio = new BenchRatio(name, denominator.Value == 0 ? 0 : numerator.Value / denominator.Value, baseline);
        _ratios.Add(ratio);
        return ratio;
    }

    public void Note(string note) => _notes.Add(note);

    public BenchResult Get(string name) =>
        _results.SingleOrDefault(r => r.Name == name) ?? throw new InvalidOperationException($"no bench result named '{name}'");
}
