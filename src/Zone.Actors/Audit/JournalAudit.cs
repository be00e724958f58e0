using System.Collections.Immutable;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;
using Zone.Actors.Hosting;
using Zone.Actors.Ledger;
using Zone.Actors.Serialization;
using Zone.Actors.Settlement;

namespace Zone.Actors.Audit;

/// <summary>A settled job's inclusion proof, checked against its batch's recorded root.</summary>
public sealed record JobProof(string JobId, string BatchId, bool Settled, int LeafIndex, int LeafCount, byte[] Leaf, ImmutableArray<MerkleStep> Steps, byte[] Root, bool Verified);

/// <summary>
/// Reads the SQL journal through Akka.Persistence.Query (CurrentPersistenceIds, CurrentEventsByPersistenceId):
/// the events exactly as written, with no entity started and no recovery run first.
/// </summary>
public static class JournalAudit
{
    /// <summary>An actor system with only the serializer and the persistence plugins: no cluster, no entities.</summary>
    public static ActorSystem ReaderSystem(PersistenceSettings persistence)
    {
        if (persistence.Provider == PersistenceProvider.Memory)
            throw new ArgumentException("the in-memory journal cannot be audited from outside its process; use SQLite or PostgreSQL");
        var hocon = string.Join('\n', "akka.loglevel = WARNING", "akka.stdout-loglevel = WARNING", ZoneSerializer.Hocon, PersistenceHocon.For(persistence));
        return ActorSystem.Create("zone-audit", ConfigurationFactory.ParseString(hocon));
    }

    public static async Task<AuditReport> AuditAsync(ActorSystem system, CancellationToken cancellationToken = default)
    {
        var auditor = new LedgerAuditor();
        await ForEachEventAsync(system, IsLedgerOrSettlement, (pid, seq, e) => auditor.Observe(pid, seq, e), cancellationToken);
        return auditor.Finish();
    }

    public static async Task<JobProof?> ProveAsync(ActorSystem system, string jobId, CancellationToken cancellationToken = default)
    {
        BatchSealed? found = null;
        var settled = new HashSet<string>(StringComparer.Ordinal);
        await ForEachEventAsync(system, pid => pid.StartsWith(SettlementPartitions.PersistencePrefix, StringComparison.Ordinal), (_, _, e) =>
        {
            if (e is not SettlementWritten written) return;
            found ??= written.Sealed.FirstOrDefault(b => b.Jobs.Any(j => j.JobId == jobId));
            foreach (var s in written.Settled) settled.Add(s.BatchId);
        }, cancellationToken);
        if (found is null) return null;
        var leaves = found.Jobs.Select(j => j.Leaf()).ToList();
        var index = found.Jobs.IndexOf(found.Jobs.First(j => j.JobId == jobId));
        var steps = MerkleTree.Proof(leaves, index);
        return new JobProof(jobId, found.BatchId, settled.Contains(found.BatchId), index, leaves.Count, leaves[index], steps, found.MerkleRoot,
            MerkleTree.Verify(leaves[index], steps, found.MerkleRoot));
    }

    private static bool IsLedgerOrSettlement(string pid) =>
        pid.StartsWith(LedgerPartitions.PersistencePrefix, StringComparison.Ordinal) || pid.StartsWith(SettlementPartitions.PersistencePrefix, StringComparison.Ordinal);

    private static async Task ForEachEventAsync(ActorSystem system, Func<string, bool> include, Action<string, long, object> observe, CancellationToken cancellationToken)
    {
        var journal = PersistenceQuery.Get(system).ReadJournalFor<SqlReadJournal>(PersistenceHocon.QueryPluginId);
        var materializer = system.Materializer();
        var ids = await journal.CurrentPersistenceIds().RunWith(Sink.Seq<string>(), materializer);
        foreach (var pid in ids.Where(include).Order(StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            await journal.CurrentEventsByPersistenceId(pid, 0, long.MaxValue)
                .RunForeach(envelope => observe(pid, envelope.SequenceNr, envelope.Event), materializer);
        }
    }
}
