using Zone.Actors.Serialization;
using Zone.Actors.Settlement;

namespace Zone.Actors.Tests.Settlement;

/// <summary>Snapshots written before the settled window moved from each provider's book to the partition still load.</summary>
public sealed class SettlementSnapshotFormatTests
{
    [Fact]
    public void A_version_1_partition_snapshot_loads_with_its_books_windows_as_the_partition_window()
    {
        // Version 1: a list of books, each provider id, next sequence, unsettled batches, then its own settled window.
        var v1 = new ZoneWriter();
        v1.WriteVarULong(2);
        foreach (var (provider, next, jobs) in new[] { ("prov-a", 3L, new[] { ("a1", 1L), ("a2", 2L) }), ("prov-b", 2L, new[] { ("b1", 1L) }) })
        {
            v1.WriteString(provider);
            v1.WriteVarLong(next);
            v1.WriteVarULong(0);
            v1.WriteVarULong((ulong)jobs.Length);
            foreach (var (job, sequence) in jobs)
            {
                v1.WriteString(job);
                v1.WriteVarLong(sequence);
            }
        }

        var snapshot = Assert.IsType<SettlementPartitionSnapshot>(ZoneSerializer.Decode(v1.ToArray(), "settlement.partition-snapshot.v1"));

        Assert.Equal([("prov-a", 3L), ("prov-b", 2L)], snapshot.Books.Select(b => (b.ProviderId, b.NextSequence)));
        Assert.All(snapshot.Books, b => Assert.Empty(b.Unsettled));
        SettledJob[] window = [new("prov-a", "a1", 1), new("prov-a", "a2", 2), new("prov-b", "b1", 1)];
        Assert.Equal(window, snapshot.SettledWindow.ToArray());
    }

    [Fact]
    public void The_old_manifest_is_read_but_never_written()
    {
        var snapshot = new SettlementPartitionSnapshot([], [new SettledJob("prov", "j", 1)]);
        Assert.Equal("settlement.partition-snapshot.v2", ZoneSerializer.Registry.ManifestOf(typeof(SettlementPartitionSnapshot)));
        var decoded = (SettlementPartitionSnapshot)ZoneSerializer.Decode(ZoneSerializer.Encode(snapshot), "settlement.partition-snapshot.v2");
        Assert.Equal(snapshot.SettledWindow.ToArray(), decoded.SettledWindow.ToArray());
    }
}
