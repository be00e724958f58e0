using Akka.Persistence;
using Akka.Persistence.Snapshot;
using Zone.Actors.Serialization;

namespace Zone.Actors.Persistence;

/// <summary>
/// The memory snapshot store, serialized like <see cref="SerializedMemoryJournal"/>: a snapshot is bytes, not a retained
/// object graph. Only the latest snapshots matter for recovery, but all are kept until deleted, as a durable store does.
/// A partition's snapshot holds its whole dedup or settled window (tens of MB at the defaults), so the store encodes with
/// a writer it keeps, whose buffer grows once instead of on every snapshot, and keeps each snapshot's bytes in a
/// <see cref="NativeBlock"/> of its own: both had been fresh large arrays, and their first touches a third of the ledger
/// bench's page faults. A deleted snapshot's block is kept for the next snapshot rather than freed (see <see cref="Recycle"/>).
/// Like the journal, every call completes before it returns, and a lock guards the table.
/// </summary>
public sealed class SerializedMemorySnapshotStore : SnapshotStore
{
    private sealed record Stored(SnapshotMetadata Metadata, int SerializerId, string Manifest, NativeBlock Bytes, int Length);

    private readonly Dictionary<string, List<Stored>> _snapshots = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly PayloadSerialization _serialization;
    private readonly ZoneWriter _writer = new();
    private readonly List<NativeBlock> _spare = [];

    public SerializedMemorySnapshotStore() => _serialization = new PayloadSerialization(Context.System);

    protected override Task<SelectedSnapshot?> LoadAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken)
    {
        (SnapshotMetadata Metadata, SerializedPayload Payload)? latest = null;
        lock (_gate)
            if (_snapshots.TryGetValue(persistenceId, out var saved))
                for (var i = saved.Count - 1; i >= 0 && latest is null; i--)
                    if (Matches(criteria, saved[i].Metadata))
                        latest = (saved[i].Metadata, new SerializedPayload(saved[i].SerializerId, saved[i].Manifest, saved[i].Bytes.Slice(0, saved[i].Length).ToArray()));
        return Task.FromResult(latest is { } found ? new SelectedSnapshot(found.Metadata, _serialization.Deserialize(found.Payload)) : null);
    }

    protected override Task SaveAsync(SnapshotMetadata metadata, object snapshot, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var (serializerId, manifest, (block, length)) = _serialization.Serialize(snapshot, bytes =>
            {
                var block = TakeBlock(bytes.Length);
                bytes.CopyTo(block.Slice(0, bytes.Length));
                return (block, bytes.Length);
            }, _writer);
            if (!_snapshots.TryGetValue(metadata.PersistenceId, out var saved)) _snapshots[metadata.PersistenceId] = saved = [];
            Remove(saved, s => s.Metadata.SequenceNr == metadata.SequenceNr);
            saved.Add(new Stored(metadata, serializerId, manifest, block, length));
            saved.Sort((a, b) => a.Metadata.SequenceNr.CompareTo(b.Metadata.SequenceNr));
        }
        return Task.CompletedTask;
    }

    protected override Task DeleteAsync(SnapshotMetadata metadata, CancellationToken cancellationToken)
    {
        lock (_gate)
            if (_snapshots.TryGetValue(metadata.PersistenceId, out var saved))
                Remove(saved, s => s.Metadata.SequenceNr == metadata.SequenceNr &&
                                   (metadata.Timestamp == DateTime.MinValue || s.Metadata.Timestamp == metadata.Timestamp));
        return Task.CompletedTask;
    }

    protected override Task DeleteAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken)
    {
        lock (_gate)
            if (_snapshots.TryGetValue(persistenceId, out var saved)) Remove(saved, s => Matches(criteria, s.Metadata));
        return Task.CompletedTask;
    }

    protected override void PostStop()
    {
        base.PostStop();
        lock (_gate)
        {
            foreach (var block in _snapshots.Values.SelectMany(saved => saved).Select(s => s.Bytes).Concat(_spare)) block.Dispose();
            _snapshots.Clear();
            _spare.Clear();
        }
    }

    private void Remove(List<Stored> saved, Predicate<Stored> match)
    {
        var removed = saved.Where(s => match(s)).Select(s => s.Bytes).ToList();
        saved.RemoveAll(match);
        foreach (var block in removed) Recycle(block);
    }

    /// <summary>The smallest kept block that holds <paramref name="bytes"/>, or a new one.</summary>
    private NativeBlock TakeBlock(int bytes)
    {
        var best = -1;
        for (var i = 0; i < _spare.Count; i++)
            if (_spare[i].Length >= bytes && (best < 0 || _spare[i].Length < _spare[best].Length)) best = i;
        if (best < 0) return new NativeBlock(bytes);
        var block = _spare[best];
        _spare.RemoveAt(best);
        return block;
    }

    /// <summary>
    /// Keeps a deleted snapshot's block for the next snapshot. Under load a partition replaces its snapshot every few
    /// seconds with one about as large (tens of MB); freed, a block's memory went back to the OS and, on this machine's
    /// VM, to the host, so the next snapshot faulted it in again (2-3 % of the ledger bench's memory phase in the kernel
    /// zeroing those pages). The kept blocks hold at most as many bytes as the live snapshots; beyond that the smallest
    /// are freed.
    /// </summary>
    private void Recycle(NativeBlock block)
    {
        _spare.Add(block);
        var live = _snapshots.Values.Sum(saved => saved.Sum(s => (long)s.Bytes.Length));
        for (var kept = _spare.Sum(b => (long)b.Length); kept > live;)
        {
            var smallest = _spare.MinBy(b => b.Length)!;
            _spare.Remove(smallest);
            kept -= smallest.Length;
            smallest.Dispose();
        }
    }

    private static bool Matches(SnapshotSelectionCriteria criteria, SnapshotMetadata metadata) =>
        metadata.SequenceNr <= criteria.MaxSequenceNr && metadata.Timestamp <= criteria.MaxTimeStamp &&
        metadata.SequenceNr >= criteria.MinSequenceNr && (criteria.MinTimestamp is not { } min || metadata.Timestamp >= min);
}
