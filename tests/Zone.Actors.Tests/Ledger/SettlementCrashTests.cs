using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Zone.Actors.Audit;
using Zone.Actors.Hosting;
using Zone.Actors.Ledger;
using Zone.Actors.Money;
using Zone.Actors.Settlement;
using Zone.Host.Bench;

namespace Zone.Actors.Tests.Ledger;

/// <summary>
/// The node stops abruptly while batches are sealed and their legs are only partly applied. The journal as the
/// crash left it must balance (with money in flight); after a restart recovery finishes every batch, each leg takes
/// effect exactly once and nothing is left in flight.
/// </summary>
public sealed class SettlementCrashTests
{
    private static readonly string[] Consumers = Enumerable.Range(0, 10).Select(i => $"consumer-{i}").ToArray();

    [Fact]
    public async Task Batches_interrupted_mid_settlement_finish_exactly_once_on_sqlite()
    {
        var directory = Directory.CreateTempSubdirectory("zone-ledger-");
        try
        {
            var path = Path.Combine(directory.FullName, "zone.db");
            SqliteJournalFile.EnableWal(path);
            await CrashAndRecover(PersistenceSettings.SqliteFile(path));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Batches_interrupted_mid_settlement_finish_exactly_once_on_postgres()
    {
        await using var postgres = await ThrowawayPostgres.StartAsync();
        await CrashAndRecover(PersistenceSettings.Postgres(postgres.ConnectionString));
    }

    private static SettlementJob Job(int i) => new(
        $"job-{i:D3}", Consumers[i % Consumers.Length], i % 2 == 0 ? "prov-a" : "prov-b", i % 3 == 0 ? "" : "verifier-1",
        new Opg(1_000_000 + i * 7_919), SHA256.HashData(Encoding.UTF8.GetBytes($"in-{i}")), SHA256.HashData(Encoding.UTF8.GetBytes($"out-{i}")));

    private static async Task CrashAndRecover(PersistenceSettings persistence)
    {
        var batchJobs = Enumerable.Range(0, 40).Select(Job).ToList();
        var individualJobs = Enumerable.Range(40, 4).Select(Job).ToList();
        var all = batchJobs.Concat(individualJobs).ToList();

        IActorRef gate = ActorRefs.Nobody;
        await using (var node = await LedgerNode.StartAsync(persistence, system =>
                     {
                         gate = system.ActorOf(Props.Create(() => new LegGate(() => ClusterSharding.Get(system).ShardRegion(LedgerSharding.LedgerTypeName))), "leg-gate");
                         return () => gate;
                     }))
        {
            await node.GenesisAsync(Consumers, Opg.FromWhole(100));
            var reserved = await node.SendAsync(all.Select(j => (ILedgerCommand)new Reserve(j.ConsumerId, j.JobId, j.Price)).ToArray());
            Assert.All(reserved, r => Assert.True(r.Accepted, r.Detail));
            var inbox = Inbox.Create(node.System);
            var partitions = LedgerNode.SettlementSettings.Partitions;
            foreach (var message in SettlementPartitions.Route(batchJobs, SettlementMode.Batch, partitions).Concat(SettlementPartitions.Route(individualJobs, SettlementMode.Individual, partitions)))
                inbox.Send(node.Regions.Settlement, message);
            await AwaitAsync(async () => await gate.Ask<LegGate.Counts>(LegGate.Query.Instance, LedgerNode.Timeout) is { CreditsApplied: 1, CreditsDropped: > 0 });
        }

        var crashed = await LedgerNode.AuditAsync(persistence);
        Assert.True(crashed.Clean, string.Join('\n', crashed.Violations));
        Assert.True(crashed.InFlight.IsPositive, "the crash should leave captured money in flight");
        Assert.True(crashed.SettledBatches < crashed.Batches);

        await using (var node = await LedgerNode.StartAsync(persistence))
        {
            // Senders re-send what they have no answer for, each job in the mode it was first sent in.
            var settled = await node.SettleAsync(batchJobs, SettlementMode.Batch);
            var settledAlone = await node.SettleAsync(individualJobs, SettlementMode.Individual);
            Assert.Equal(all.Count, settled.Count + settledAlone.Count);
            Assert.Equal(individualJobs.Count, settledAlone.Values.Distinct().Count());
        }

        var recovered = await LedgerNode.AuditAsync(persistence);
        Assert.True(recovered.Clean, string.Join('\n', recovered.Violations));
        Assert.Equal(Opg.Zero, recovered.InFlight);
        Assert.Equal(Opg.Zero, recovered.Reserved);
        Assert.Equal(recovered.Batches, recovered.SettledBatches);
        Assert.Equal(2 + individualJobs.Count, recovered.Batches);
        AssertPaidOnce(recovered, all);
    }

    /// <summary>Each payee holds exactly what the fee rules owe it: a leg applied twice or not at all would show here.</summary>
    private static void AssertPaidOnce(AuditReport report, IReadOnlyList<SettlementJob> jobs)
    {
        var expected = new Dictionary<string, Opg>();
        var burned = Opg.Zero;
        foreach (var job in jobs)
        {
            var split = FeeSplit.Of(job.Price, job.VerifierId.Length > 0, SettlementFees.Default);
            expected[job.ProviderId] = expected.GetValueOrDefault(job.ProviderId) + split.Provider;
            if (job.VerifierId.Length > 0) expected[job.VerifierId] = expected.GetValueOrDefault(job.VerifierId) + split.Verifier;
            burned += split.Burn;
        }
        foreach (var (account, amount) in expected) Assert.Equal(amount, report.Balances[account].Available);
        Assert.Equal(burned, report.Burned);
    }

    private static async Task AwaitAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + LedgerNode.Timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition not reached");
            await Task.Delay(20);
        }
    }

    /// <summary>
    /// Stands between settlement and the ledger: passes every capture, applies one credit message (swallowing its
    /// answer, as if the node died before it arrived) and drops the rest: a crash in the middle of the credit legs.
    /// </summary>
    private sealed class LegGate : ReceiveActor
    {
        public sealed record Query
        {
            public static readonly Query Instance = new();
        }

        public sealed record Counts(int CreditsApplied, int CreditsDropped);

        private int _applied, _dropped;
        private bool _sent;

        public LegGate(Func<IActorRef> ledger)
        {
            Receive<LedgerCommands>(m =>
            {
                if (m.Commands.All(c => c is Capture)) ledger().Forward(m);
                else if (!_sent) { _sent = true; ledger().Tell(m, Self); }
                else _dropped++;
            });
            Receive<LedgerReplies>(_ => _applied++);
            Receive<Query>(_ => Sender.Tell(new Counts(_applied, _dropped)));
        }
    }
}
