using Akka.Persistence;
using Akka.Persistence.Snapshot;

namespace Zone.Actors.Persistence;

/// <summary>
/// The memory snapshot store, serialized like <see cref="SerializedMemoryJournal"/>: a snapshot is bytes, not a retained
/// object graph. Only the latest snapshots matter for recovery, but all are kept until deleted, as a durable store does.
/// Like the journal, every call completes before it returns, and a lock guards the table.
/// </summary>
public sealed class SerializedMemorySnapshotStore : SnapshotStore
{
    private readonly Dictionary<string, List<(SnapshotMetadata Metadata, SerializedPayload Payload)>> _snapshots = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly PayloadSerialization _serialization;

    public SerializedMemorySnapshotStore() => _serialization = new PayloadSerialization(Context.System);

    protected override Task<SelectedSnapshot?> LoadAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken)
    {
        (SnapshotMetadata Metadata, SerializedPayload Payload)? latest = null;
        lock (_gate)
            if (_snapshots.TryGetValue(persistenceId, out var saved))
                for (var i = saved.Count - 1; i >= 0 && latest is null; i--)
                    if (Matches(criteria, saved[i].Metadata)) latest = saved[i];
        return Task.FromResult(latest is { } found ? new SelectedSnapshot(found.Metadata, _serialization.Deserialize(found.Payload)) : null);
    }

    protected override Task SaveAsync(SnapshotMetadata metadata, object snapshot, CancellationToken cancellationToken)
    {
        var payload = _serialization.Serialize(snapshot);
        lock (_gate)
        {
            if (!_snapshots.TryGetValue(metadata.PersistenceId, out var saved)) _snapshots[metadata.PersistenceId] = saved = [];
            saved.RemoveAll(s => s.Metadata.SequenceNr == metadata.SequenceNr);
            saved.Add((metadata, payload));
            saved.Sort((a, b) => a.Metadata.SequenceNr.CompareTo(b.Metadata.SequenceNr));
        }
        return Task.CompletedTask;
    }

    protected override Task DeleteAsync(SnapshotMetadata metadata, CancellationToken cancellationToken)
    {
        lock (_gate)
            if (_snapshots.TryGetValue(metadata.PersistenceId, out var saved))
                saved.RemoveAll(s => s.Metadata.SequenceNr == metadata.SequenceNr &&
                                     (metadata.Timestamp == DateTime.MinValue || s.Metadata.Timestamp == metadata.Timestamp));
        return Task.CompletedTask;
    }

    protected override Task DeleteAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken)
    {
        lock (_gate)
            if (_snapshots.TryGetValue(persistenceId, out var saved)) saved.RemoveAll(s => Matches(criteria, s.Metadata));
        return Task.CompletedTask;
    }

    private static bool Matches(SnapshotSelectionCriteria criteria, SnapshotMetadata metadata) =>
        metadata.SequenceNr <= criteria.MaxSequenceNr && metadata.Timestamp <= criteria.MaxTimeStamp &&
        metadata.SequenceNr >= criteria.MinSequenceNr && (criteria.MinTimestamp is not { } min || metadata.Timestamp >= min);
}
