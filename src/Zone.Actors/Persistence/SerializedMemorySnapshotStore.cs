using Akka.Persistence;
using Akka.Persistence.Snapshot;

namespace Zone.Actors.Persistence;

/// <summary>
/// The memory snapshot store, serialized like <see cref="SerializedMemoryJournal"/>: a snapshot is bytes, not a retained
/// object graph. Only the latest snapshots matter for recovery, but all are kept until deleted, as a durable store does.
/// </summary>
public sealed class SerializedMemorySnapshotStore : SnapshotStore
{
    public const string PluginId = "akka.persistence.snapshot-store.zone-memory";

    public static readonly string Hocon = $$"""
        {{PluginId}} {
          class = "{{typeof(SerializedMemorySnapshotStore).AssemblyQualifiedName}}"
          plugin-dispatcher = "akka.actor.default-dispatcher"
        }
        """;

    private readonly Dictionary<string, List<(SnapshotMetadata Metadata, SerializedPayload Payload)>> _snapshots = new(StringComparer.Ordinal);
    private readonly PayloadSerialization _serialization;

    public SerializedMemorySnapshotStore() => _serialization = new PayloadSerialization(Context.System);

    protected override Task<SelectedSnapshot?> LoadAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken)
    {
        if (!_snapshots.TryGetValue(persistenceId, out var saved)) return Task.FromResult<SelectedSnapshot?>(null);
        for (var i = saved.Count - 1; i >= 0; i--)
            if (Matches(criteria, saved[i].Metadata))
                return Task.FromResult<SelectedSnapshot?>(new SelectedSnapshot(saved[i].Metadata, _serialization.Deserialize(saved[i].Payload)));
        return Task.FromResult<SelectedSnapshot?>(null);
    }

    protected override Task SaveAsync(SnapshotMetadata metadata, object snapshot, CancellationToken cancellationToken)
    {
        var payload = _serialization.Serialize(snapshot);
        if (!_snapshots.TryGetValue(metadata.PersistenceId, out var saved)) _snapshots[metadata.PersistenceId] = saved = [];
        saved.RemoveAll(s => s.Metadata.SequenceNr == metadata.SequenceNr);
        saved.Add((metadata, payload));
        saved.Sort((a, b) => a.Metadata.SequenceNr.CompareTo(b.Metadata.SequenceNr));
        return Task.CompletedTask;
    }

    protected override Task DeleteAsync(SnapshotMetadata metadata, CancellationToken cancellationToken)
    {
        if (_snapshots.TryGetValue(metadata.PersistenceId, out var saved))
            saved.RemoveAll(s => s.Metadata.SequenceNr == metadata.SequenceNr &&
                                 (metadata.Timestamp == DateTime.MinValue || s.Metadata.Timestamp == metadata.Timestamp));
        return Task.CompletedTask;
    }

    protected override Task DeleteAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken)
    {
        if (_snapshots.TryGetValue(persistenceId, out var saved)) saved.RemoveAll(s => Matches(criteria, s.Metadata));
        return Task.CompletedTask;
    }

    private static bool Matches(SnapshotSelectionCriteria criteria, SnapshotMetadata metadata) =>
        metadata.SequenceNr <= criteria.MaxSequenceNr && metadata.Timestamp <= criteria.MaxTimeStamp &&
        metadata.SequenceNr >= criteria.MinSequenceNr && (criteria.MinTimestamp is not { } min || metadata.Timestamp >= min);
}
