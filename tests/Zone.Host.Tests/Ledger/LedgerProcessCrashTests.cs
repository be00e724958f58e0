using System.Diagnostics;
using System.Text.Json;
using Zone.Host.Tests.Program;

namespace Zone.Host.Tests.Ledger;

/// <summary>
/// The real program under load, killed with SIGKILL at random moments: the journal as each crash left it must
/// balance (money in flight included); a restart's recovery must finish every open batch and credit.
/// </summary>
public sealed class LedgerProcessCrashTests
{
    private const int Rounds = 3;

    [Fact]
    public async Task Kill_9_under_load_leaves_a_balanced_journal_that_recovery_completes()
    {
        var data = Directory.CreateTempSubdirectory("zone-ledger-kill-");
        var seed = Environment.TickCount;
        var random = new Random(seed);
        try
        {
            for (var round = 0; round < Rounds; round++)
            {
                await RunAndKill(data.FullName, settledAtLeast: random.Next(100, 3_000), extraDelayMillis: random.Next(0, 400));
                var crashed = await Audit(data.FullName, "audit");
                Assert.True(crashed.GetProperty("clean").GetBoolean(), $"seed {seed}, round {round}: {crashed}");
            }

            var recovered = await Audit(data.FullName, "recover");
            Assert.True(recovered.GetProperty("clean").GetBoolean(), $"seed {seed}: {recovered}");
            Assert.Equal(0, recovered.GetProperty("inFlightNano").GetInt64());
            Assert.Equal(recovered.GetProperty("batches").GetInt32(), recovered.GetProperty("settledBatches").GetInt32());
            Assert.True(recovered.GetProperty("settledBatches").GetInt32() > 0);

            var final = await Audit(data.FullName, "audit");
            Assert.True(final.GetProperty("clean").GetBoolean(), $"seed {seed}: {final}");
            Assert.Equal(0, final.GetProperty("inFlightNano").GetInt64());
        }
        finally
        {
            data.Delete(recursive: true);
        }
    }

    private static async Task RunAndKill(string data, int settledAtLeast, int extraDelayMillis)
    {
        using var process = Process.Start(ZoneProcess.StartInfo("ledger", "load", "--data", data))
            ?? throw new InvalidOperationException("could not start zone ledger load");
        var stdout = process.StandardOutput.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            while (await process.StandardError.ReadLineAsync(cancel.Token) is { } line)
            {
                if (!line.StartsWith("settled ", StringComparison.Ordinal) || long.Parse(line["settled ".Length..], System.Globalization.CultureInfo.InvariantCulture) < settledAtLeast) continue;
                await Task.Delay(extraDelayMillis, cancel.Token);
                break;
            }
            if (process.HasExited) Assert.Fail($"zone ledger load exited early ({process.ExitCode}): {await stdout}");
        }
        finally
        {
            // Process.Kill sends SIGKILL on Linux: no shutdown hook, no flush, exactly a kill -9.
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
        }
    }

    private static async Task<JsonElement> Audit(string data, string command)
    {
        var outcome = await ZoneProcess.RunAsync(ZoneProcess.StartInfo("ledger", command, "--data", data, "--json"), TimeSpan.FromMinutes(3));
        Assert.True(outcome.ExitCode == 0, $"zone ledger {command} exited {outcome.ExitCode}: {outcome.Stdout}\n{outcome.Stderr}");
        return JsonDocument.Parse(outcome.Stdout).RootElement.Clone();
    }
}
