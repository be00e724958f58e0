using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Akka.Actor;
using Zone.Actors.Audit;
using Zone.Actors.Hosting;
using Zone.Actors.Money;
using Zone.Actors.Settlement;
using Zone.Host.Cli;
using Zone.Host.Configuration;
using Zone.Host.Node;

namespace Zone.Host.Ledger;

/// <summary>`zone ledger audit|balances|prove`, and the hidden `load` and `recover` that crash tests drive.</summary>
public static class LedgerCommand
{
    public const int ViolationsFound = 1;

    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static Command Create()
    {
        var command = new Command("ledger", "Audit, list and prove from the ledger's journal");
        command.Subcommands.Add(Audit());
        command.Subcommands.Add(Balances());
        command.Subcommands.Add(Prove());
        command.Subcommands.Add(Load());
        command.Subcommands.Add(Recover());
        return command;
    }

    private static Command Audit()
    {
        var command = new Command("audit", "Recompute every account from the journal alone and check that the money balances") { GlobalOptions.Json };
        command.SetZoneAction(async (parse, cancellationToken) =>
        {
            var report = await WithReader(parse, system => JournalAudit.AuditAsync(system, cancellationToken));
            Console.WriteLine(parse.GetValue(GlobalOptions.Json) ? JsonSerializer.Serialize(AuditJson(report), JsonOptions) : AuditText(report));
            return report.Clean ? 0 : ViolationsFound;
        });
        return command;
    }

    private static Command Balances()
    {
        var command = new Command("balances", "List every account's balances as the journal records them") { GlobalOptions.Json };
        command.SetZoneAction(async (parse, cancellationToken) =>
        {
            var report = await WithReader(parse, system => JournalAudit.AuditAsync(system, cancellationToken));
            if (parse.GetValue(GlobalOptions.Json))
                Console.WriteLine(JsonSerializer.Serialize(report.Balances.Select(b => new { account = b.Key, available = b.Value.Available.Nano, reserved = b.Value.Reserved.Nano, staked = b.Value.Staked.Nano }), JsonOptions));
            else
            {
                Console.WriteLine($"{"account",-28} {"available",22} {"reserved",22} {"staked",22}");
                foreach (var (account, t) in report.Balances) Console.WriteLine($"{account,-28} {t.Available,22} {t.Reserved,22} {t.Staked,22}");
            }
            return 0;
        });
        return command;
    }

    private static Command Prove()
    {
        var job = new Argument<string>("job") { Description = "Id of a settled job" };
        var command = new Command("prove", "Produce and check the Merkle inclusion proof of a settled job") { job, GlobalOptions.Json };
        command.SetZoneAction(async (parse, cancellationToken) =>
        {
            var jobId = parse.GetValue(job)!;
            var proof = await WithReader(parse, system => JournalAudit.ProveAsync(system, jobId, cancellationToken))
                ?? throw new ZoneUsageException($"job '{jobId}' is in no sealed batch of this journal");
            Console.WriteLine(parse.GetValue(GlobalOptions.Json) ? JsonSerializer.Serialize(ProofJson(proof), JsonOptions) : ProofText(proof));
            return proof.Verified && proof.Settled ? 0 : ViolationsFound;
        });
        return command;
    }

    private static Command Load()
    {
        var jobs = new Option<long>("--jobs") { Description = "Stop after this many jobs (0: until killed or --seconds)", DefaultValueFactory = _ => 0 };
        var seconds = new Option<int>("--seconds") { Description = "Stop after this many seconds (0: no limit)", DefaultValueFactory = _ => 0 };
        var command = new Command("load", "Drive jobs through reserve and settlement (used by crash tests)") { jobs, seconds };
        command.Hidden = true;
        command.SetZoneAction(async (parse, cancellationToken) =>
        {
            var configuration = GlobalOptions.LoadConfiguration(parse);
            await using var runtime = await StartAsync(configuration, cancellationToken);
            var shape = new WorkloadShape($"load{DateTime.UtcNow:yyyyMMddHHmmssfff}", 200, 8, 4, new Opg(1_000), 4_096, 256, runtime.Ledger.Partitions, runtime.Settlement.Partitions, 1 << 16);
            await runtime.FundAsync(shape, Opg.FromWhole(1_000));
            var workload = runtime.StartWorkload(shape, parse.GetValue(jobs));
            var limit = parse.GetValue(seconds) is var s and > 0 ? TimeSpan.FromSeconds(s) : Timeout.InfiniteTimeSpan;
            var clock = Stopwatch.StartNew();
            SettlementWorkload.Stats stats;
            do
            {
                await Task.Delay(200, cancellationToken);
                stats = await workload.Ask<SettlementWorkload.Stats>(SettlementWorkload.GetStats.Instance, LedgerRuntime.AskTimeout);
                await Console.Error.WriteLineAsync($"settled {stats.Settled}");
            } while ((limit == Timeout.InfiniteTimeSpan || clock.Elapsed < limit) && (parse.GetValue(jobs) == 0 || stats.Settled + stats.Failed + stats.Rejected < parse.GetValue(jobs)));
            Console.WriteLine(JsonSerializer.Serialize(new { runId = shape.RunId, settled = stats.Settled, failed = stats.Failed, rejected = stats.Rejected }, JsonOptions));
            return 0;
        });
        return command;
    }

    private static Command Recover()
    {
        var command = new Command("recover", "Start the ledger, let recovery finish every open batch and credit, then stop") { GlobalOptions.Json };
        command.Hidden = true;
        command.SetZoneAction(async (parse, cancellationToken) =>
        {
            var configuration = GlobalOptions.LoadConfiguration(parse);
            await using var runtime = await StartAsync(configuration, cancellationToken);
            var report = await runtime.AwaitSettledAsync(TimeSpan.FromMinutes(2), cancellationToken);
            Console.WriteLine(parse.GetValue(GlobalOptions.Json) ? JsonSerializer.Serialize(AuditJson(report), JsonOptions) : AuditText(report));
            return report.Clean ? 0 : ViolationsFound;
        });
        return command;
    }

    private static Task<LedgerRuntime> StartAsync(ZoneConfiguration configuration, CancellationToken cancellationToken) =>
        LedgerRuntime.StartAsync(configuration.ToSettings(), LedgerConfiguration.Ledger(configuration), LedgerConfiguration.Settlement(configuration),
            configuration.LogLevel, cancellationToken);

    /// <summary>Opens the configured journal read-only through Persistence.Query; the journal must already exist.</summary>
    private static async Task<T> WithReader<T>(ParseResult parse, Func<ActorSystem, Task<T>> read)
    {
        var persistence = GlobalOptions.LoadConfiguration(parse).ToSettings().Persistence;
        if (persistence.Provider == PersistenceProvider.Memory)
            throw new ZoneUsageException("zone.persistence.provider is memory: there is no journal to read (use sqlite or postgres)");
        if (LedgerRuntime.SqlitePath(persistence) is { } path && !File.Exists(path))
            throw new ZoneUsageException($"no journal at {path} (set --data or zone.persistence.sqlite-file)");
        using var system = JournalAudit.ReaderSystem(persistence);
        try { return await read(system); }
        finally { await system.Terminate(); }
    }

    private static object AuditJson(AuditReport r) => new
    {
        clean = r.Clean,
        mintedNano = r.Minted.Nano, burnedNano = r.Burned.Nano, availableNano = r.Available.Nano, reservedNano = r.Reserved.Nano,
        stakedNano = r.Staked.Nano, inFlightNano = r.InFlight.Nano,
        accounts = r.Accounts, ledgerEvents = r.LedgerEvents, ledgerEntries = r.LedgerEntries,
        batches = r.Batches, settledBatches = r.SettledBatches, openClearingKeys = r.OpenClearingKeys,
        violations = r.Violations,
    };

    private static string AuditText(AuditReport r)
    {
        var lines = new List<string>
        {
            $"minted     {r.Minted}",
            $"available  {r.Available}",
            $"reserved   {r.Reserved}",
            $"staked     {r.Staked}",
            $"in flight  {r.InFlight} ({r.OpenClearingKeys} open clearing keys)",
            $"burned     {r.Burned}",
            $"{r.Accounts} accounts, {r.LedgerEntries} ledger entries in {r.LedgerEvents} writes, {r.SettledBatches}/{r.Batches} batches settled",
            r.Clean ? "audit: clean (available + reserved + staked + in flight + burned = minted)" : $"audit: {r.Violations.Length} violation(s)",
        };
        lines.AddRange(r.Violations.Select(v => $"  violation: {v}"));
        return string.Join('\n', lines);
    }

    private static object ProofJson(JobProof p) => new
    {
        job = p.JobId, batch = p.BatchId, settled = p.Settled, leafIndex = p.LeafIndex, leafCount = p.LeafCount,
        leaf = Convert.ToHexStringLower(p.Leaf), root = Convert.ToHexStringLower(p.Root), verified = p.Verified,
        steps = p.Steps.Select(s => new { sibling = Convert.ToHexStringLower(s.Sibling), side = s.SiblingOnLeft ? "left" : "right" }),
    };

    private static string ProofText(JobProof p)
    {
        var lines = new List<string>
        {
            $"job    {p.JobId}",
            $"batch  {p.BatchId} ({(p.Settled ? "settled" : "NOT settled yet")}), leaf {p.LeafIndex} of {p.LeafCount}",
            $"leaf   {Convert.ToHexStringLower(p.Leaf)}",
        };
        lines.AddRange(p.Steps.Select((s, i) => $"step {i}: sibling on the {(s.SiblingOnLeft ? "left " : "right")} {Convert.ToHexStringLower(s.Sibling)}"));
        lines.Add($"root   {Convert.ToHexStringLower(p.Root)}");
        lines.Add(p.Verified ? "proof: verified against the batch's recorded root" : "proof: FAILED: the leaf does not hash up to the recorded root");
        return string.Join('\n', lines);
    }
}
