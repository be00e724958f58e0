using Akka.Cluster.Sharding;

namespace Zone.Actors.Sharding;

/// <summary>Routes <see cref="IShardedMessage"/>s by entity id hash. The shard count must never change on a live zone.</summary>
public sealed class ZoneMessageExtractor(int maxNumberOfShards) : HashCodeMessageExtractor(maxNumberOfShards)
{
    // StartEntity and ShardingEnvelope are unwrapped by the base class before this is called.
    public override string? EntityId(object message) => (message as IShardedMessage)?.EntityId;
}
