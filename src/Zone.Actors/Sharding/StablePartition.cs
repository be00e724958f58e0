using System.Collections.Immutable;

namespace Zone.Actors.Sharding;

/// <summary>
/// Hashes ids (accounts, providers) to a fixed number of partitions with FNV-1a over the id's UTF-16 code units:
/// stable across processes and .NET versions (string.GetHashCode is randomized per process). Never change the
/// partition count of a zone with a journal: ids would move away from their history.
/// </summary>
public static class StablePartition
{
    public static int IndexOf(string id, int partitionCount)
    {
        if (partitionCount <= 0) throw new ArgumentOutOfRangeException(nameof(partitionCount), partitionCount, "at least one partition");
        var hash = 2166136261u;
        foreach (var c in id)
        {
            hash ^= c;
            hash *= 16777619u;
        }
        return (int)(hash % (uint)partitionCount);
    }

    public static string EntityIdOf(string id, int partitionCount) => EntityIdOf(IndexOf(id, partitionCount));

    private static string EntityIdOf(int index) => index.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// The items by partition of their ids, in partition order, each group in the items' order; empty partitions are
    /// left out. This runs for every message of the money path's hot loop: it keeps to one array of builders, where
    /// LINQ's GroupBy allocated a lookup, groupings and delegates (~6 % of the ledger bench's allocated bytes).
    /// </summary>
    public static List<(string EntityId, ImmutableArray<T> Items)> Split<T>(IEnumerable<T> items, Func<T, string> idOf, int partitionCount)
    {
        var groups = new ImmutableArray<T>.Builder?[partitionCount];
        var expected = items is ICollection<T> collection ? collection.Count / partitionCount + 8 : 8;
        foreach (var item in items) (groups[IndexOf(idOf(item), partitionCount)] ??= ImmutableArray.CreateBuilder<T>(expected)).Add(item);
        var split = new List<(string, ImmutableArray<T>)>();
        for (var partition = 0; partition < partitionCount; partition++)
            if (groups[partition] is { } group) split.Add((EntityIdOf(partition), group.ToImmutable()));
        return split;
    }
}
