using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using Akka.Actor;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Zone.Actors.Audit;
using Zone.Actors.Hosting;
using Zone.Actors.Ledger;
using Zone.Actors.Money;
using Zone.Actors.Settlement;
using Zone.Host.Ledger;
using Zone.Inference.Commitments;

namespace Zone.Host.Bench;

/// <summary>
/// Jobs per second through the whole money path (reserve, batch settlement with captures and credits, every reply
/// after the durable write) on SQLite, the memory journal and PostgreSQL, against raw SQLite batched inserts measured
/// in the same run. The SQLite journal is left in the data directory for `zone ledger audit`.
/// </summary>
public sealed class LedgerBench : IBenchSuite
{
    private const int RawRowsPerTransaction = 1_000;
    private const int Consumers = 1_000;
    private const int Providers = 16;
    // Jobs in flight, at least. Measured here: 16,000 gave the same or more jobs/s than 40,000 at a quarter of the latency
    // (fewer jobs alive at once, so fewer objects outlive the collector's young generations); 120,000 only added latency.
    private const int MinWindowJobs = 16_000;
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(120);
    // How long a phase measures on past measure-seconds while fewer than a window of jobs has settled.
    private static readonly TimeSpan MeasureExtensionLimit = TimeSpan.FromSeconds(60);

    public string Name => "ledger";
    public string Description => "jobs/s through reserve + batch settlement (SQLite, memory, PostgreSQL) vs raw SQLite inserts";

    public async Task<BenchReport> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var report = new BenchReport(Name);
        var configuration = context.Configuration;
        var ledger = LedgerConfiguration.Ledger(configuration);
        var zoneSettlement = LedgerConfiguration.Settlement(configuration);
        // The zone's batch size follows OpenGradient's facilitator (20 jobs); a zone built for throughput seals larger
        // batches, and the bench measures at that size, then SQLite once more at the zone's own.
        var settlement = zoneSettlement with { BatchMaxJobs = configuration.Range("zone.bench.ledger-batch-max-jobs", 1, 1_000_000) };
        var baseSettings = configuration.ToSettings();
        Directory.CreateDirectory(context.DataDirectory);

        context.Progress($"raw SQLite inserts, {RawRowsPerTransaction}-row transactions");
        var raw = RawSqliteInserts(Path.Combine(context.DataDirectory, "bench-raw-sqlite.db"), context.Measure);
        report.Add("raw sqlite inserts", raw.RowsPerSecond, "rows/s");

        var sqlite = baseSettings.Persistence.Provider == PersistenceProvider.Sqlite
            ? baseSettings.Persistence : PersistenceSettings.SqliteFile(Path.Combine(context.DataDirectory, "zone.db"));
        var memory = baseSettings with { Persistence = PersistenceSettings.InMemory };
        await Prime(context, memory, ledger, settlement, cancellationToken);
        await Measure(report, context, "memory", memory, ledger, settlement, cancellationToken);
        await Measure(report, context, "sqlite", baseSettings with { Persistence = sqlite }, ledger, settlement, cancellationToken);
        var zoneBatches = $"sqlite@{zoneSettlement.BatchMaxJobs}";
        var measuresZoneBatches = zoneSettlement.BatchMaxJobs != settlement.BatchMaxJobs;
        if (measuresZoneBatches)
            await Measure(report, context, zoneBatches, baseSettings with { Persistence = sqlite }, ledger, zoneSettlement, cancellationToken);
        // Akka.Persistence.Sql, linq2db and Microsoft.Data.Sqlite never issue PRAGMA synchronous (their binaries hold no such
        // statement), so the journal's connections run at the library default that a fresh connection reports here.
        report.Note($"sqlite journal {LedgerRuntime.SqlitePath(sqlite)}: WAL; PRAGMA synchronous on a fresh connection = {raw.Synchronous} (2 = FULL), " +
                    "the default the journal's connections run at (no layer sets it)");
        await AuditSqlite(report, context, sqlite, cancellationToken);

        var postgresMeasured = ThrowawayPostgres.FindBinDirectory() is not null;
        if (postgresMeasured)
        {
            context.Progress("starting a throwaway PostgreSQL server");
            await using var postgres = await ThrowawayPostgres.StartAsync();
            await Measure(report, context, "postgres", baseSettings with { Persistence = PersistenceSettings.Postgres(postgres.ConnectionString) }, ledger, settlement, cancellationToken);
        }
        else report.Note("PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin: postgres not measured");

        report.AddRatio("sqlite jobs / raw sqlite rows", "sqlite jobs", "raw sqlite inserts");
        report.AddRatio("memory jobs / raw sqlite rows", "memory jobs", "raw sqlite inserts");
        if (postgresMeasured) report.AddRatio("postgres jobs / raw sqlite rows", "postgres jobs", "raw sqlite inserts");
        report.AddRatio("sqlite / memory jobs", "sqlite jobs", "memory jobs");
        if (measuresZoneBatches)
            report.AddRatio($"{zoneBatches} jobs / raw sqlite rows", $"{zoneBatches} jobs", "raw sqlite inserts");
        report.Note($"a job = reserve + its share of a batch of {settlement.BatchMaxJobs} jobs (zone.bench.ledger-batch-max-jobs; {zoneBatches}: " +
                    $"the zone's zone.settlement.batch-max-jobs): one capture per consumer, credits to provider, verifier and treasury, a burn; " +
                    $"{Consumers} consumers, {Providers} providers; {ledger.Partitions} ledger partitions, {settlement.Partitions} settlement partitions; " +
                    "latency = reserve sent to batch settled durably");
        report.Note($"Merkle leaves and nodes: {Sha256.Implementation}");
        return report;
    }

    /// <summary>
    /// Runs the whole money path once on the memory journal before the first phase, its figures thrown away. The first
    /// phase of a process paid for what later phases find done, the JIT's later tiers and the heap's first growth, even
    /// after its warm-up: the memory phase measured first took 7.6-8.0 µs of CPU per job, after the SQLite phase 5.0-7.8 µs
    /// (2026-12-04; 10-11.6 against 6.4-7.0 the day before), compiling 56-61 ms a second while measured against 10-28.
    /// </summary>
    private static Task Prime(BenchContext context, ZoneSettings settings, LedgerSettings ledger, SettlementSettings settlement,
        CancellationToken cancellationToken)
    {
        context.Progress("priming: the money path on the memory journal, unmeasured");
        return Measure(new BenchReport("priming"), context, "priming", settings, ledger, settlement, cancellationToken);
    }

    private static async Task Measure(BenchReport report, BenchContext context, string name, ZoneSettings settings, LedgerSettings ledger,
        SettlementSettings settlement, CancellationToken cancellationToken)
    {
        context.Progress($"{name}: starting node, funding consumers");
        await using var runtime = await LedgerRuntime.StartAsync(settings, ledger, settlement, LogLevel.Error, cancellationToken);
        // Two batches per provider in flight at least: with fewer, a batch seals only when its last job's reserve
        // returns, and no job is settling meanwhile.
        var window = Math.Max(MinWindowJobs, 2 * Providers * settlement.BatchMaxJobs);
        var shape = new WorkloadShape($"bench-{name.Replace('@', '-')}-{DateTime.UtcNow:yyyyMMddHHmmssfff}", Consumers, Providers, 4, new Opg(1_000), window, 1_024,
            ledger.Partitions, settlement.Partitions, 1 << 20);
        await runtime.FundAsync(shape, Opg.FromWhole(1_000));
        var workload = runtime.StartWorkload(shape, maxJobs: 0);
        context.Progress($"{name}: warm-up {context.Warmup.TotalSeconds:0} s (longer until the JIT settles), measure {context.Measure.TotalSeconds:0} s");
        var warmedUp = await context.WarmUpAsync(cancellationToken);
        context.Progress($"{name}: warmed up in {warmedUp.TotalSeconds:0.0} s, measuring");
        workload.Tell(SettlementWorkload.ResetStats.Instance);
        var rowsBefore = await JournalRowsAsync(settings.Persistence);
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var allocatedBefore = GC.GetTotalAllocatedBytes();
        var pausedBefore = GC.GetTotalPauseDuration();
        var (jitBefore, methodsBefore) = (JitInfo.GetCompilationTime(), JitInfo.GetCompiledMethodCount());
        await Task.Delay(context.Measure, cancellationToken);
        var stats = await MeasuredAtLeast(workload, window, cancellationToken);
        var cpuTime = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        var cpu = cpuTime / (stats.Elapsed * Environment.ProcessorCount);
        var allocated = GC.GetTotalAllocatedBytes() - allocatedBefore;
        var paused = GC.GetTotalPauseDuration() - pausedBefore;
        var (jit, methods) = (JitInfo.GetCompilationTime() - jitBefore, JitInfo.GetCompiledMethodCount() - methodsBefore);
        var rows = await JournalRowsAsync(settings.Persistence) - rowsBefore;
        await Drain(workload, cancellationToken);

        report.Add($"{name} jobs", stats.Settled / stats.Elapsed.TotalSeconds, "jobs/s");
        report.Add($"{name} latency p50", Percentile(stats.LatencyMillis, 0.50), "ms");
        report.Add($"{name} latency p99", Percentile(stats.LatencyMillis, 0.99), "ms");
        report.Add($"{name} cpu", Math.Round(cpu * 100, 1), $"% of {Environment.ProcessorCount} cores");
        // Per job and as shares, these vary far less between runs on a shared machine than jobs/s does.
        var settled = Math.Max(1, stats.Settled);
        report.Add($"{name} cpu per job", Math.Round(cpuTime.TotalMicroseconds / settled, 2), "µs of CPU time per settled job");
        report.Add($"{name} allocated per job", Math.Round((double)allocated / settled), "bytes (managed heap)");
        report.Add($"{name} warm-up", Math.Round(warmedUp.TotalSeconds, 1), $"s (the warm-up, then on until the JIT compiled for under {BenchContext.SettledJitPerSecond.TotalMilliseconds:0} ms in each of {BenchContext.SettledJitSeconds} seconds in a row; at most 4 x the warm-up)");
        report.Add($"{name} jit", Math.Round(jit.TotalMilliseconds / stats.Elapsed.TotalSeconds, 1), $"ms of compilation per second while measuring ({methods} methods)");
        report.Add($"{name} gc pauses", Math.Round(100 * paused / stats.Elapsed, 1), "% of the measured time the collector stopped the process");
        if (rows is { } written)
        {
            // Each partition write is one journal row and, on SQLite, one transaction: the rate the journal sustains bounds the design.
            report.Add($"{name} journal writes", Math.Round(written / stats.Elapsed.TotalSeconds), "rows/s (one per partition write)");
            report.Add($"{name} jobs per journal write", Math.Round((double)stats.Settled / Math.Max(1, written), 1), "settled jobs per row written");
        }
        if (stats.Rejected + stats.Failed > 0) report.Note($"{name}: {stats.Rejected} jobs rejected, {stats.Failed} failed capture");
    }

    /// <summary>
    /// The workload's counts once at least <paramref name="jobs"/> have settled since the reset, or after
    /// <see cref="MeasureExtensionLimit"/>. A short phase can end before its first batch settles: with no warm-up, on two
    /// cores busy with other work, a fresh PostgreSQL settled nothing in its first second, and the phase reported 0 jobs/s.
    /// </summary>
    private static async Task<SettlementWorkload.Stats> MeasuredAtLeast(IActorRef workload, int jobs, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var stats = await workload.Ask<SettlementWorkload.Stats>(SettlementWorkload.GetStats.Instance, LedgerRuntime.AskTimeout);
            if (stats.Settled >= jobs || deadline.Elapsed >= MeasureExtensionLimit) return stats;
            await Task.Delay(100, cancellationToken);
        }
    }

    /// <summary>The journal's last row number (Akka.Persistence.Sql's `ordering`); null on the memory journal.</summary>
    private static async Task<long?> JournalRowsAsync(PersistenceSettings persistence)
    {
        DbConnection? opened = persistence.Provider switch
        {
            PersistenceProvider.Sqlite => new SqliteConnection(persistence.ConnectionString),
            PersistenceProvider.Postgres => new Npgsql.NpgsqlConnection(persistence.ConnectionString),
            _ => null,
        };
        if (opened is null) return null;
        await using var connection = opened;
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COALESCE(MAX(ordering), 0) FROM journal";
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    /// <summary>Stops new jobs and lets those in flight settle, so the journal is left with nothing half done.</summary>
    private static async Task Drain(IActorRef workload, CancellationToken cancellationToken)
    {
        workload.Tell(SettlementWorkload.Drain.Instance);
        var deadline = DateTime.UtcNow + DrainTimeout;
        while ((await workload.Ask<SettlementWorkload.Stats>(SettlementWorkload.GetStats.Instance, LedgerRuntime.AskTimeout)).InFlight > 0 && DateTime.UtcNow < deadline)
            await Task.Delay(100, cancellationToken);
    }

    private static async Task AuditSqlite(BenchReport report, BenchContext context, PersistenceSettings sqlite, CancellationToken cancellationToken)
    {
        context.Progress("auditing the SQLite journal");
        using var reader = JournalAudit.ReaderSystem(sqlite);
        try
        {
            var audit = await JournalAudit.AuditAsync(reader, cancellationToken);
            report.Note(audit.Clean
                ? $"sqlite journal audit: clean ({audit.LedgerEntries} entries, {audit.SettledBatches}/{audit.Batches} batches settled, {audit.InFlight} in flight)"
                : $"sqlite journal audit: {audit.Violations.Length} VIOLATIONS, first: {audit.Violations[0]}");
        }
        finally { await reader.Terminate(); }
    }

    private static double Percentile(IReadOnlyList<double> samples, double quantile)
    {
        if (samples.Count == 0) return 0;
        var sorted = samples.Order().ToArray();
        return Math.Round(sorted[(int)Math.Min(sorted.Length - 1, quantile * sorted.Length)], 2);
    }

    /// <summary>The disk's limit for the same kind of work: rows of a journal-sized payload, 1000 per transaction, WAL.</summary>
    private static (double RowsPerSecond, long Synchronous) RawSqliteInserts(string path, TimeSpan duration)
    {
        foreach (var file in new[] { path, path + "-wal", path + "-shm" }) File.Delete(file);
        SqliteJournalFile.EnableWal(path);
        var synchronous = SqliteJournalFile.SynchronousLevel(path);
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using (var create = connection.CreateCommand())
            {
                create.CommandText = "CREATE TABLE rows (id INTEGER PRIMARY KEY, payload BLOB NOT NULL)";
                create.ExecuteNonQuery();
            }
            var payload = new byte[120];
            Random.Shared.NextBytes(payload);
            long rows = 0;
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < duration)
            {
                using var transaction = connection.BeginTransaction();
                using var insert = connection.CreateCommand();
                insert.Transaction = transaction;
                insert.CommandText = "INSERT INTO rows (payload) VALUES ($p)";
                var parameter = insert.Parameters.Add("$p", SqliteType.Blob);
                for (var i = 0; i < RawRowsPerTransaction; i++)
                {
                    parameter.Value = payload;
                    insert.ExecuteNonQuery();
                }
                transaction.Commit();
                rows += RawRowsPerTransaction;
            }
            var rate = rows / clock.Elapsed.TotalSeconds;
            foreach (var file in new[] { path, path + "-wal", path + "-shm" }) File.Delete(file);
            return (rate, synchronous);
        }
    }
}
