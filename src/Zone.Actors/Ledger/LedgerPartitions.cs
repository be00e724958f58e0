using Zone.Actors.Sharding;

namespace Zone.Actors.Ledger;

/// <summary>Accounts are hashed to a fixed number of ledger partitions (<see cref="StablePartition"/>).</summary>
public static class LedgerPartitions
{
    public const string PersistencePrefix = "ledger-";

    public static int IndexOf(string accountId, int partitionCount) => StablePartition.IndexOf(accountId, partitionCount);

    public static string EntityIdOf(string accountId, int partitionCount) => StablePartition.EntityIdOf(accountId, partitionCount);

    public static string PersistenceIdOf(string entityId) => PersistencePrefix + entityId;

    /// <summary>The commands as one <see cref="LedgerCommands"/> per ledger partition of their accounts.</summary>
    public static IEnumerable<LedgerCommands> Route(IEnumerable<ILedgerCommand> commands, int partitionCount) =>
        StablePartition.Split(commands, c => c.AccountId, partitionCount).Select(g => new LedgerCommands(g.EntityId, g.Items));
}
