namespace Zone.Actors.Sharding;

/// <summary>A message addressed to one sharded entity; the shard region routes it by <see cref="EntityId"/>.</summary>
public interface IShardedMessage
{
    string EntityId { get; }
}
