using System.Diagnostics;
using System.Runtime;
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
    /// <summary>A second in which the JIT compiled for less than this is a quiet one.</summary>
    public static readonly TimeSpan SettledJitPerSecond = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// Quiet seconds in a row that mean tiered compilation has settled. One was not enough: after a quiet second the
    /// SQLite phase went on to compile 787 methods, 134 ms a second, while it was measured.
    /// </summary>
    public const int SettledJitSeconds = 2;

    public string DataDirectory => Configuration.DataDirectory;

    /// <summary>
    /// Runs the load for the warm-up, then on until the JIT has settled (it compiled for less than
    /// <see cref="SettledJitPerSecond"/> in each of the last <see cref="SettledJitSeconds"/> seconds), at most four
    /// warm-ups in all. Under full load on two
    /// cores tiered compilation (with its instrumented tier) measured 0.3-0.9 s of JIT time per second for more than
    /// six seconds after a node started: a measurement that began at three seconds measured the JIT as well.
    /// Returns how long the warm-up took.
    /// </summary>
    public async Task<TimeSpan> WarmUpAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        await Task.Delay(Warmup, cancellationToken);
        var limit = 4 * Warmup;
        var quietSeconds = 0;
        while (clock.Elapsed < limit && quietSeconds < SettledJitSeconds)
        {
            var before = JitInfo.GetCompilationTime();
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            quietSeconds = JitInfo.GetCompilationTime() - before < SettledJitPerSecond ? quietSeconds + 1 : 0;
        }
        return clock.Elapsed;
    }
}
