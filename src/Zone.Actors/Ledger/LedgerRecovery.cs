using System.Globalization;
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
    /// <exception cref="PartitionLayoutException">The journal was written with more partitions than configured.</exception>
    public static async Task<int> WakeAllAsync(ActorSystem system, LedgerRegions regions, PersistenceSettings persistence, int ledgerPartitions, int settlementPartitions)
    {
        if (persistence.Provider == PersistenceProvider.Memory) return 0;
        var journal = PersistenceQuery.Get(system).ReadJournalFor<SqlReadJournal>(PersistenceHocon.QueryPluginId);
        var ids = await journal.CurrentPersistenceIds().RunWith(Sink.Seq<string>(), system.Materializer());
        if (LayoutMismatch(ids, ledgerPartitions, settlementPartitions) is { } mismatch) throw new PartitionLayoutException(mismatch);
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

    /// <summary>
    /// Why the journal does not fit the configured partition counts, or null. Accounts and providers are hashed to
    /// partitions by the count, so a journal holding partition N under a count of N or less keeps balances (or batches)
    /// that no configured partition owns. (A count larger than the journal's is not detectable this way: the extra
    /// partitions may simply not have written yet.)
    /// </summary>
    public static string? LayoutMismatch(IEnumerable<string> persistenceIds, int ledgerPartitions, int settlementPartitions)
    {
        foreach (var pid in persistenceIds)
        {
            if (IndexBeyond(pid, LedgerPartitions.PersistencePrefix, ledgerPartitions) is { } ledger)
                return Mismatch(pid, "ledger", ledger, ledgerPartitions);
            if (IndexBeyond(pid, SettlementPartitions.PersistencePrefix, settlementPartitions) is { } settlement)
                return Mismatch(pid, "settlement", settlement, settlementPartitions);
        }
        return null;
    }

    private static int? IndexBeyond(string persistenceId, string prefix, int count) =>
        persistenceId.StartsWith(prefix, StringComparison.Ordinal) &&
        int.TryParse(persistenceId.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index >= count
            ? index : null;

    private static string Mismatch(string persistenceId, string kind, int index, int count) =>
        $"the journal holds {kind} partition {index} (persistence id '{persistenceId}') but 'zone.{kind}.partitions' is {count}: " +
        $"it was written with at least {index + 1} {kind} partitions, and accounts are hashed by that count. Set 'zone.{kind}.partitions' " +
        "to the count the zone was created with (the default was 8 before 2026-11-29, 4 since).";
}

/// <summary>The journal was written with a different partition layout than the configuration's (see <see cref="LedgerRecovery.LayoutMismatch"/>).</summary>
public sealed class PartitionLayoutException(string message) : Exception(message);
