using Akka.Actor;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Zone.Actors.Audit;
using Zone.Actors.Hosting;
using Zone.Actors.Ledger;
using Zone.Actors.Money;
using Zone.Actors.Settlement;
using Zone.Host.Configuration;
using Zone.Host.Node;

namespace Zone.Host.Ledger;

/// <summary>A node running the ledger and settlement, plus the genesis and workload the load command and bench drive.</summary>
public sealed class LedgerRuntime : IAsyncDisposable
{
    public static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(60);

    private LedgerRuntime(ZoneNode node, LedgerRegions regions, LedgerSettings ledger, SettlementSettings settlement, PersistenceSettings persistence)
    {
        Node = node;
        Regions = regions;
        Ledger = ledger;
        Settlement = settlement;
        Persistence = persistence;
    }

    public ZoneNode Node { get; }
    public LedgerRegions Regions { get; }
    public LedgerSettings Ledger { get; }
    public SettlementSettings Settlement { get; }
    public PersistenceSettings Persistence { get; }

    /// <summary>Starts a single node on a free port (these are one-process tools), then wakes every entity the journal knows.</summary>
    public static async Task<LedgerRuntime> StartAsync(ZoneSettings settings, LedgerSettings ledger, SettlementSettings settlement, LogLevel logLevel, CancellationToken cancellationToken)
    {
        if (SqlitePath(settings.Persistence) is { } path) SqliteJournalFile.EnableWal(path);
        var single = settings with { Cluster = settings.Cluster with { Port = 0, SeedNodes = [] } };
        var node = await ZoneNode.StartAsync(single, logLevel, (builder, _) => builder.WithLedger(ledger, settlement, single.Cluster.NumberOfShards), cancellationToken);
        var regions = new LedgerRegions(node.Registry.Get<LedgerRegion>(), node.Registry.Get<SettlementRegion>());
        try
        {
            await LedgerRecovery.WakeAllAsync(node.System, regions, settings.Persistence, ledger.Partitions, settlement.Partitions);
        }
        catch (PartitionLayoutException e)
        {
            await node.DisposeAsync();
            throw new ZoneConfigException(e.Message);
        }
        return new LedgerRuntime(node, regions, ledger, settlement, settings.Persistence);
    }

    public static string? SqlitePath(PersistenceSettings persistence) =>
        persistence.Provider == PersistenceProvider.Sqlite ? new SqliteConnectionStringBuilder(persistence.ConnectionString).DataSource : null;

    /// <summary>Funds the workload's consumers from a mint to the treasury, once per journal.</summary>
    public async Task FundAsync(WorkloadShape shape, Opg perConsumer)
    {
        var consumers = Enumerable.Range(0, shape.Consumers).Select(WorkloadShape.Consumer).ToList();
        if (await KnownAccountsAsync() is var known && consumers.All(known.Contains)) return;
        var treasury = Ledger.Rules.TreasuryAccountId;
        await SendAsync([new Mint(treasury, $"genesis-{shape.RunId}", perConsumer * consumers.Count)]);
        await SendAsync(consumers.Select(c => (ILedgerCommand)new Transfer(treasury, $"fund-{shape.RunId}-{c}", c, perConsumer)).ToList());
        var deadline = DateTime.UtcNow + AskTimeout;
        while (!consumers.All((await KnownAccountsAsync()).Contains))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("genesis transfers were not credited in time");
            await Task.Delay(50);
        }
    }

    private async Task SendAsync(IReadOnlyList<ILedgerCommand> commands)
    {
        foreach (var message in LedgerPartitions.Route(commands, Ledger.Partitions))
        {
            var replies = await Regions.Ledger.Ask<LedgerReplies>(message, AskTimeout);
            var refused = replies.Replies.FirstOrDefault(r => !r.Accepted);
            if (refused is not null) throw new InvalidOperationException($"genesis {refused.Kind} {refused.AccountId} refused: {refused.Rejection} {refused.Detail}");
        }
    }

    public async Task<HashSet<string>> KnownAccountsAsync()
    {
        var balances = await Task.WhenAll(Enumerable.Range(0, Ledger.Partitions).Select(p =>
            Regions.Ledger.Ask<PartitionBalances>(new GetPartitionBalances(p.ToString(System.Globalization.CultureInfo.InvariantCulture)), AskTimeout)));
        return balances.SelectMany(b => b.Accounts).Select(a => a.AccountId).ToHashSet(StringComparer.Ordinal);
    }

    public IActorRef StartWorkload(WorkloadShape shape, long maxJobs)
    {
        var workload = Node.System.ActorOf(SettlementWorkload.Props(shape, Regions.Ledger, Regions.Settlement), $"workload-{shape.RunId}");
        workload.Tell(new SettlementWorkload.Start(maxJobs));
        return workload;
    }

    /// <summary>Waits until the journal shows every sealed batch settled and nothing in flight (recovery finished).</summary>
    public async Task<AuditReport> AwaitSettledAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var report = await JournalAudit.AuditAsync(Node.System, cancellationToken);
            if (report.InFlight == Opg.Zero && report.SettledBatches == report.Batches) return report;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"still {report.InFlight} in flight and {report.Batches - report.SettledBatches} batches unsettled after {timeout}");
            await Task.Delay(200, cancellationToken);
        }
    }

    public async ValueTask DisposeAsync() => await Node.DisposeAsync();
}
