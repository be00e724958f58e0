using Zone.Host.Configuration;

namespace Zone.Host.Bench;

/// <summary>One benchmark suite of `zone bench`: it measures its capability and the raw limit beneath it in the same run.</summary>
public interface IBenchSuite
{
    string Name { get; }
    string Description { get; }
    Task<BenchReport> RunAsync(BenchContext context, CancellationToken cancellationToken);
}

/// <param name="Progress">Human progress lines; written to stderr so that --json output stays one object on stdout.</param>
public sealed record BenchContext(ZoneConfiguration Configuration, TimeSpan Warmup, TimeSpan Measure, Action<string> Progress)
{
    public string DataDirectory => Configuration.DataDirectory;
}
