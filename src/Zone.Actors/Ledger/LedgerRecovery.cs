using Akka.Actor;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;
using Zone.Actors.Hosting;
using Zone.Actors.Settlement;

namespace Zone.Actors.Ledger;

/// <summary>
/// After a restart, entities recover only when a message reaches them. Waking every ledger partition and settlement
/// entity the journal knows makes them re-send undelivered credits and finish unsettled batches without waiting for traffic.
/// </summary>
public static class LedgerRecovery
{
    public static async Task<int> WakeAllAsync(ActorSystem system, LedgerRegions regions, PersistenceSettings persistence)
    {
        if (persistence.Provider == PersistenceProvider.Memory) return 0;
        var journal = PersistenceQuery.Get(system).ReadJournalFor<SqlReadJournal>(PersistenceHocon.QueryPluginId);
        var ids = await journal.CurrentPersistenceIds().RunWith(Sink.Seq<string>(), system.Materializer());
        var woken = 0;
        foreach (var pid in ids)
        {
            if (pid.StartsWith(LedgerPartitions.PersistencePrefix, StringComparison.Ordinal))
                regions.Ledger.Tell(new WakeLedgerPartition(pid[LedgerPartitions.PersistencePrefix.Length..]));
            else if (pid.StartsWith(SettlementPartitions.PersistencePrefix, StringComparison.Ordinal))
                regions.Settlement.Tell(new WakeSettlement(pid[SettlementPartitions.PersistencePrefix.Length..]));
            else continue;
            woken++;
        }
        return woken;
    }
}
