using System.Text.Json;
using Zone.Host.Tests.Program;

namespace Zone.Host.Tests.Ledger;

/// <summary>`zone ledger audit|balances|prove` on a journal the program itself wrote.</summary>
public sealed class LedgerCommandTests
{
    [Fact]
    public async Task Audit_balances_and_prove_read_the_journal_the_load_left()
    {
        await InTempDirectory("zone-ledger-cli-", async data =>
        {
            var load = await Zone("ledger", "load", "--data", data.FullName, "--jobs", "300", "--set", "zone.settlement.batch-max-wait=200ms");
            Assert.True(load.ExitCode == 0, load.Stderr);
            var runId = JsonDocument.Parse(load.Stdout).RootElement.GetProperty("runId").GetString();

            var audit = await Zone("ledger", "audit", "--data", data.FullName);
            Assert.True(audit.ExitCode == 0, audit.Stdout + audit.Stderr);
            Assert.Contains("audit: clean", audit.Stdout, StringComparison.Ordinal);

            // The load ran on the default 4 ledger partitions: fewer would orphan the accounts of the others.
            var fewer = await Zone("ledger", "load", "--data", data.FullName, "--jobs", "10", "--set", "zone.ledger.partitions=2");
            Assert.Equal(2, fewer.ExitCode);
            Assert.Contains("the journal holds ledger partition", fewer.Stderr, StringComparison.Ordinal);
            Assert.Contains("'zone.ledger.partitions' is 2", fewer.Stderr, StringComparison.Ordinal);

            var balances = await Zone("ledger", "balances", "--data", data.FullName, "--json");
            Assert.Equal(0, balances.ExitCode);
            var accounts = JsonDocument.Parse(balances.Stdout).RootElement.EnumerateArray().Select(a => a.GetProperty("account").GetString()).ToList();
            Assert.Contains("consumer-0", accounts);
            Assert.Contains("provider-0", accounts);

            var proof = await Zone("ledger", "prove", $"{runId}-0", "--data", data.FullName, "--json");
            Assert.True(proof.ExitCode == 0, proof.Stdout + proof.Stderr);
            var json = JsonDocument.Parse(proof.Stdout).RootElement;
            Assert.True(json.GetProperty("verified").GetBoolean());
            Assert.True(json.GetProperty("settled").GetBoolean());

            var unknown = await Zone("ledger", "prove", "no-such-job", "--data", data.FullName);
            Assert.Equal(2, unknown.ExitCode);
            Assert.Contains("no-such-job", unknown.Stderr, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task Bench_ledger_json_reports_every_backend_with_ratios_to_raw_sqlite_and_leaves_a_journal_that_audits_clean()
    {
        await InTempDirectory("zone-bench-ledger-", async data =>
        {
            var bench = await Zone("bench", "ledger", "--json", "--data", data.FullName,
                "--set", "zone.bench.measure-seconds=1", "--set", "zone.bench.warmup-seconds=0");
            Assert.True(bench.ExitCode == 0, bench.Stderr);
            var root = JsonDocument.Parse(bench.Stdout).RootElement;
            var results = root.GetProperty("results").EnumerateArray().ToDictionary(r => r.GetProperty("name").GetString()!, r => r.GetProperty("value").GetDouble());
            // sqlite@20: SQLite once more at the zone's own batch size (OpenGradient's 20), beside the bench's 1000-job batches.
            foreach (var name in new[] { "raw sqlite inserts", "memory jobs", "sqlite jobs", "sqlite@20 jobs", "postgres jobs", "sqlite latency p50", "sqlite latency p99", "sqlite cpu" })
                Assert.True(results[name] > 0, name);
            foreach (var backend in new[] { "sqlite", "postgres" })
            {
                Assert.True(results[$"{backend} journal writes"] > 0, backend);
                Assert.True(results[$"{backend} jobs per journal write"] > 0, backend);
            }
            Assert.DoesNotContain("memory journal writes", results.Keys);
            foreach (var backend in new[] { "memory", "sqlite", "postgres" })
            {
                Assert.True(results[$"{backend} cpu per job"] > 0, backend);
                Assert.True(results[$"{backend} allocated per job"] > 0, backend);
                Assert.InRange(results[$"{backend} gc pauses"], 0, 100);
            }
            var ratios = root.GetProperty("ratios").EnumerateArray().ToDictionary(r => r.GetProperty("name").GetString()!, r => r.GetProperty("value").GetDouble());
            Assert.Equal(results["sqlite jobs"] / results["raw sqlite inserts"], ratios["sqlite jobs / raw sqlite rows"], 6);
            Assert.Equal(results["memory jobs"] / results["raw sqlite inserts"], ratios["memory jobs / raw sqlite rows"], 6);
            Assert.Equal(results["sqlite@20 jobs"] / results["raw sqlite inserts"], ratios["sqlite@20 jobs / raw sqlite rows"], 6);
            Assert.Contains(root.GetProperty("notes").EnumerateArray(), n => n.GetString()!.StartsWith("sqlite journal audit: clean", StringComparison.Ordinal));

            var audit = await Zone("ledger", "audit", "--data", data.FullName);
            Assert.True(audit.ExitCode == 0, audit.Stdout + audit.Stderr);
            Assert.Contains("audit: clean", audit.Stdout, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task Audit_of_a_missing_journal_is_a_usage_error()
    {
        await InTempDirectory("zone-ledger-empty-", async empty =>
        {
            var audit = await Zone("ledger", "audit", "--data", empty.FullName);
            Assert.Equal(2, audit.ExitCode);
            Assert.Contains("no journal", audit.Stderr, StringComparison.Ordinal);
        });
    }

    private static async Task InTempDirectory(string prefix, Func<DirectoryInfo, Task> test)
    {
        var directory = Directory.CreateTempSubdirectory(prefix);
        try { await test(directory); }
        finally { directory.Delete(recursive: true); }
    }

    private static Task<ZoneProcess.Outcome> Zone(params string[] arguments) => ZoneProcess.RunAsync(ZoneProcess.StartInfo(arguments), TimeSpan.FromMinutes(3));
}
