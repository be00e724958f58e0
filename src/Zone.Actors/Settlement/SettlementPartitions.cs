using Zone.Actors.Sharding;

namespace Zone.Actors.Settlement;

/// <summary>
/// Providers are hashed to a fixed number of settlement partitions (<see cref="StablePartition"/>); one partition
/// entity keeps the books of all its providers, so a single journal write and one leg message per ledger partition
/// serve every batch sealed in the same round. The protocol stays per provider and job.
/// </summary>
public static class SettlementPartitions
{
    public const string PersistencePrefix = "settlement-";

    public static string EntityIdOf(string providerId, int partitionCount) => StablePartition.EntityIdOf(providerId, partitionCount);

    public static string PersistenceIdOf(string entityId) => PersistencePrefix + entityId;

    /// <summary>The jobs as one <see cref="AcceptJobs"/> per settlement partition of their providers.</summary>
    public static IEnumerable<AcceptJobs> Route(IEnumerable<SettlementJob> jobs, SettlementMode mode, int partitionCount) =>
        StablePartition.Split(jobs, j => j.ProviderId, partitionCount).Select(g => new AcceptJobs(g.EntityId, g.Items, mode));
}
