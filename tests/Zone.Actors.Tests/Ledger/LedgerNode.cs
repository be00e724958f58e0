using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster;
using Zone.Actors.Audit;
using Zone.Actors.Hosting;
using Zone.Actors.Ledger;
using Zone.Actors.Money;
using Zone.Actors.Settlement;

namespace Zone.Actors.Tests.Ledger;

/// <summary>A single-node zone holding the ledger and settlement regions, for tests that stop and restart it on one store.</summary>
public sealed class LedgerNode : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private LedgerNode(ActorSystem system, LedgerRegions regions, LedgerSettings ledger)
    {
        System = system;
        Regions = regions;
        Ledger = ledger;
    }

    public ActorSystem System { get; }
    public LedgerRegions Regions { get; }
    public LedgerSettings Ledger { get; }

    // Snapshots every few commands and jobs, so that restarts in these tests recover from snapshots plus the events after them.
    public static LedgerSettings LedgerSettings { get; } = Zone.Actors.Ledger.LedgerSettings.Default with
    {
        Partitions = 4, OutboxRetryInterval = TimeSpan.FromMilliseconds(300), SnapshotEveryCommands = 5,
    };

    public static SettlementSettings SettlementSettings { get; } = Zone.Actors.Settlement.SettlementSettings.Default with
    {
        LedgerPartitions = 4, Partitions = 2, BatchMaxJobs = 20, BatchMaxWait = TimeSpan.FromMilliseconds(200), LegRetryInterval = TimeSpan.FromMilliseconds(300),
        SnapshotEveryJobs = 30,
    };

    /// <param name="legRoute">Given the system, where settlement sends legs; null for the ledger region.</param>
    /// <param name="settlement">Settlement settings; null for <see cref="SettlementSettings"/>.</param>
    public static async Task<LedgerNode> StartAsync(PersistenceSettings persistence, Func<ActorSystem, Func<IActorRef>>? legRoute = null, SettlementSettings? settlement = null)
    {
        var system = ActorSystem.Create("zone", ZoneHocon.Config(ZoneSettings.ForTests(persistence)));
        var up = new TaskCompletionSource();
        var cluster = Cluster.Get(system);
        cluster.RegisterOnMemberUp(() => up.TrySetResult());
        cluster.Join(cluster.SelfAddress);
        await up.Task.WaitAsync(Timeout);
        var settlementSettings = settlement ?? SettlementSettings;
        var regions = LedgerSharding.Start(system, LedgerSettings, settlementSettings, 100, legRoute?.Invoke(system));
        await LedgerRecovery.WakeAllAsync(system, regions, persistence, LedgerSettings.Partitions, settlementSettings.Partitions);
        return new LedgerNode(system, regions, LedgerSettings);
    }

    /// <summary>Sends commands (grouped per partition) and returns the replies in command order.</summary>
    public async Task<IReadOnlyList<LedgerReply>> SendAsync(params ILedgerCommand[] commands)
    {
        var groups = commands.GroupBy(c => LedgerPartitions.EntityIdOf(c.AccountId, Ledger.Partitions)).ToList();
        var replies = await Task.WhenAll(groups.Select(g =>
            Regions.Ledger.Ask<LedgerReplies>(new LedgerCommands(g.Key, g.ToImmutableArray()), Timeout)));
        var byCommand = groups.Zip(replies).SelectMany(p => p.Item1.Zip(p.Item2.Replies)).ToDictionary(p => (object)p.Item1, p => p.Item2, ReferenceEqualityComparer.Instance);
        return commands.Select(c => byCommand[c]).ToList();
    }

    /// <summary>Mints to the treasury and transfers to each account; returns once every transfer has been credited.</summary>
    public async Task GenesisAsync(IEnumerable<string> accounts, Opg each)
    {
        var list = accounts.ToList();
        var minted = await SendAsync(new Mint("treasury", "genesis", each * (list.Count + 1)));
        Assert.True(minted[0].Accepted, minted[0].Detail);
        var transfers = await SendAsync(list.Select(a => (ILedgerCommand)new Transfer("treasury", $"genesis-{a}", a, each)).ToArray());
        Assert.All(transfers, r => Assert.True(r.Accepted, r.Detail));
        await AwaitNothingInFlightAsync(list);
    }

    public async Task AwaitNothingInFlightAsync(IReadOnlyCollection<string> mustExist)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            var balances = await Task.WhenAll(Enumerable.Range(0, Ledger.Partitions).Select(p =>
                Regions.Ledger.Ask<PartitionBalances>(new GetPartitionBalances(p.ToString(global::System.Globalization.CultureInfo.InvariantCulture)), Timeout)));
            var known = balances.SelectMany(b => b.Accounts).Select(a => a.AccountId).ToHashSet();
            if (balances.All(b => b.InFlight == Opg.Zero) && mustExist.All(known.Contains)) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException("transfers still in flight");
            await Task.Delay(50);
        }
    }

    /// <summary>Sends jobs to their providers' settlement and collects answers until every job is settled.</summary>
    public async Task<IReadOnlyDictionary<string, string>> SettleAsync(IReadOnlyList<SettlementJob> jobs, SettlementMode mode)
    {
        var inbox = Inbox.Create(System);
        foreach (var message in SettlementPartitions.Route(jobs, mode, SettlementSettings.Partitions)) inbox.Send(Regions.Settlement, message);
        var settled = new Dictionary<string, string>();
        while (settled.Count < jobs.Count)
        {
            switch (await inbox.ReceiveAsync(Timeout))
            {
                case JobsSettled s: foreach (var id in s.JobIds.Concat(s.FailedJobIds)) settled[id] = s.BatchId; break;
                case JobRejected r: throw new InvalidOperationException($"job {r.JobId} rejected: {r.Reason}");
            }
        }
        return settled;
    }

    /// <summary>
    /// The newest snapshot the store holds for <paramref name="persistenceId"/>, or null. Asked only once
    /// <paramref name="answered"/> has an answer from the partition: then a snapshot the partition decided to take before
    /// that answer is already on its way to the store, ahead of this question.
    /// </summary>
    public async Task<Akka.Persistence.SelectedSnapshot?> LatestSnapshotAsync(string persistenceId, Task answered)
    {
        await answered;
        var store = Akka.Persistence.Persistence.Instance.Apply(System).SnapshotStoreFor(null);
        var result = await store.Ask<Akka.Persistence.LoadSnapshotResult>(new Akka.Persistence.LoadSnapshot(persistenceId, Akka.Persistence.SnapshotSelectionCriteria.Latest, long.MaxValue), Timeout);
        return result.Snapshot;
    }

    public async ValueTask DisposeAsync()
    {
        await System.Terminate();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    public static async Task<AuditReport> AuditAsync(PersistenceSettings persistence)
    {
        using var reader = JournalAudit.ReaderSystem(persistence);
        try { return await JournalAudit.AuditAsync(reader); }
        finally { await reader.Terminate(); }
    }
}
