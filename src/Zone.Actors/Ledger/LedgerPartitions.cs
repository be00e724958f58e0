namespace Zone.Actors.Ledger;

/// <summary>
/// Accounts are hashed to a fixed number of partitions. The hash is FNV-1a over the id's UTF-16 code units:
/// stable across processes and .NET versions (string.GetHashCode is randomized per process). Never change the
/// partition count of a zone with a journal: accounts would move away from their history.
/// </summary>
public static class LedgerPartitions
{
    public const string PersistencePrefix = "ledger-";

    public static int IndexOf(string accountId, int partitionCount)
    {
        if (partitionCount <= 0) throw new ArgumentOutOfRangeException(nameof(partitionCount), partitionCount, "at least one partition");
        var hash = 2166136261u;
        foreach (var c in accountId)
        {
            hash ^= c;
            hash *= 16777619u;
        }
        return (int)(hash % (uint)partitionCount);
    }

    public static string EntityIdOf(string accountId, int partitionCount) => IndexOf(accountId, partitionCount).ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static string PersistenceIdOf(string entityId) => PersistencePrefix + entityId;
}
