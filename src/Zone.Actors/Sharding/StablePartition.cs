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

    public static string EntityIdOf(string id, int partitionCount) => IndexOf(id, partitionCount).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
