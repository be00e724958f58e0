using Akka.Persistence;
using Akka.Persistence.Snapshot;
using Zone.Actors.Serialization;

namespace Zone.Actors.Persistence;

/// <summary>
/// The memory snapshot store, serialized like <see cref="SerializedMemoryJournal"/>: a snapshot is bytes, not a retained
/// object graph. Only the latest snapshots matter for recovery, but all are kept until deleted, as a durable store does.
/// A partition's snapshot holds its whole dedup or settled window (tens of MB at the defaults), so the store encodes with
/// a writer it keeps, whose buffer grows once instead of on every snapshot, and keeps each snapshot's bytes in a
/// <see cref="NativeBlock"/> of its own, freed when the snapshot is deleted: both had been fresh large arrays, and
/// their first touches a third of the ledger bench's page faults.
/// Like the journal, every call completes before it returns, and a lock guards the table.
/// </summary>
public sealed class SerializedMemorySnapshotStore : SnapshotStore
{
    private sealed record Stored(SnapshotMetadata Metadata, int SerializerId, string Manifest, NativeBlock Bytes, int Length);

    private readonly Dictionary<string, List<Stored>> _snapshots = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly PayloadSerialization _serialization;
    private readonly ZoneWriter _writer = new();

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
            var (serializerId, manifest, (block, length)) = _serialization.Serialize(snapshot, static bytes =>
            {
                var block = new NativeBlock(bytes.Length);
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
            foreach (var saved in _snapshots.Values) Remove(saved, _ => true);
            _snapshots.Clear();
        }
    }

    private static void Remove(List<Stored> saved, Predicate<Stored> match)
    {
        foreach (var snapshot in saved.Where(s => match(s))) snapshot.Bytes.Dispose();
        saved.RemoveAll(match);
    }

    private static bool Matches(SnapshotSelectionCriteria criteria, SnapshotMetadata metadata) =>
        metadata.SequenceNr <= criteria.MaxSequenceNr && metadata.Timestamp <= criteria.MaxTimeStamp &&
        metadata.SequenceNr >= criteria.MinSequenceNr && (criteria.MinTimestamp is not { } min || metadata.Timestamp >= min);
}
