using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using Akka.Cluster.Hosting;
using Zone.Actors.Settlement;
using Zone.Actors.Sharding;

namespace Zone.Actors.Ledger;

/// <summary>Marker keys for the shard regions in Akka.Hosting's registry.</summary>
public sealed class LedgerRegion;

public sealed class SettlementRegion;

public sealed record LedgerRegions(IActorRef Ledger, IActorRef Settlement);

/// <summary>Starting the ledger and settlement shard regions, directly (tests, tools) or through Akka.Hosting.</summary>
public static class LedgerSharding
{
    public const string LedgerTypeName = "ledger";
    public const string SettlementTypeName = "settlement";
    public const string Role = "ledger";

    /// <param name="legRoute">Where settlement entities send their legs: the ledger region, unless a crash test interposes a gate.</param>
    public static LedgerRegions Start(ActorSystem system, LedgerSettings ledger, SettlementSettings settlement, int numberOfShards, Func<IActorRef>? legRoute = null)
    {
        Validate(ledger, settlement);
        var sharding = ClusterSharding.Get(system);
        var shardingSettings = ClusterShardingSettings.Create(system).WithRole(Role);
        var extractor = new ZoneMessageExtractor(numberOfShards);
        IActorRef Region() => sharding.ShardRegion(LedgerTypeName);
        var ledgerRegion = sharding.Start(LedgerTypeName, id => LedgerPartitionActor.Props(id, ledger, Region), shardingSettings, extractor);
        var settlementRegion = sharding.Start(SettlementTypeName, id => SettlementPartitionActor.Props(id, settlement, legRoute ?? Region), shardingSettings, extractor,
            sharding.DefaultShardAllocationStrategy(shardingSettings), StopSettlementWhenWritten.Instance);
        return new LedgerRegions(ledgerRegion, settlementRegion);
    }

    /// <summary>Akka.Hosting: the ledger partitions and settlement entities of a node with the ledger role.</summary>
    public static AkkaConfigurationBuilder WithLedger(this AkkaConfigurationBuilder builder, LedgerSettings ledger, SettlementSettings settlement, int numberOfShards)
    {
        Validate(ledger, settlement);
        ShardOptions Options() => new() { Role = Role, StateStoreMode = StateStoreMode.DData, RememberEntities = false };
        var settlementOptions = Options();
        settlementOptions.HandOffStopMessage = StopSettlementWhenWritten.Instance;
        var extractor = new ZoneMessageExtractor(numberOfShards);
        return builder
            .WithShardRegion<LedgerRegion>(LedgerTypeName, (system, registry, _) => id =>
                LedgerPartitionActor.Props(id, ledger, () => registry.Get<LedgerRegion>()), extractor, Options())
            .WithShardRegion<SettlementRegion>(SettlementTypeName, (system, registry, _) => id =>
                SettlementPartitionActor.Props(id, settlement, () => registry.Get<LedgerRegion>()), extractor, settlementOptions);
    }

    private static void Validate(LedgerSettings ledger, SettlementSettings settlement)
    {
        ledger.Validate();
        settlement.Validate();
        if (ledger.Partitions != settlement.LedgerPartitions)
            throw new ArgumentException($"settlement routes legs over {settlement.LedgerPartitions} partitions but the ledger has {ledger.Partitions}");
        if (ledger.Rules.TreasuryAccountId != settlement.TreasuryAccountId)
            throw new ArgumentException($"ledger treasury '{ledger.Rules.TreasuryAccountId}' differs from settlement treasury '{settlement.TreasuryAccountId}'");
    }
}
