using Zone.Actors.Sharding;

namespace Zone.Actors.Tests.Sharding;

public sealed class StablePartitionTests
{
    [Fact]
    public void Hashing_is_fnv_1a_and_stable_across_processes()
    {
        // Journals are keyed by these partitions: the function must never change.
        Assert.Equal(2166136261u % 8, (uint)StablePartition.IndexOf("", 8));
        Assert.Equal((int)(unchecked((2166136261u ^ 'a') * 16777619u) % 8), StablePartition.IndexOf("a", 8));
        Assert.Equal(StablePartition.IndexOf("consumer-17", 8).ToString(), StablePartition.EntityIdOf("consumer-17", 8));
    }

    [Fact]
    public void Split_groups_by_partition_keeps_each_groups_order_and_leaves_out_empty_partitions()
    {
        var ids = Enumerable.Range(0, 200).Select(i => $"account-{i}").ToList();

        var split = StablePartition.Split(ids, id => id, 8);

        Assert.Equal(split.Select(g => g.EntityId).Order(StringComparer.Ordinal), split.Select(g => g.EntityId));
        Assert.Equal(ids.Count, split.Sum(g => g.Items.Length));
        foreach (var (entityId, items) in split)
        {
            Assert.NotEmpty(items);
            Assert.All(items, id => Assert.Equal(entityId, StablePartition.EntityIdOf(id, 8)));
            Assert.Equal(ids.Where(items.Contains), items.AsEnumerable());
        }
        Assert.Empty(StablePartition.Split(Array.Empty<string>(), id => id, 8));
        Assert.Single(StablePartition.Split(["only"], id => id, 8));
    }
}
