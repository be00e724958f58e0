using Akka.Actor;
using Akka.Event;
using Akka.Persistence;

namespace Zone.Actors.Sharding;

/// <summary>
/// What the ledger and settlement partitions share: one persistence id per partition, timers, only the newest snapshot
/// kept, and a stop on a rejected write. Both decide in place on state the actor owns, so after a rejected write that
/// state already holds the write's effects: the next incarnation rebuilds it from the journal.
/// </summary>
public abstract class PersistentPartitionActor : ReceivePersistentActor, IWithTimers
{
    protected PersistentPartitionActor(string partitionId, string persistenceId)
    {
        PartitionId = partitionId;
        PersistenceId = persistenceId;
        // Only the newest snapshot is ever loaded: older ones would grow the store without bound.
        Command<SaveSnapshotSuccess>(saved => DeleteSnapshots(new SnapshotSelectionCriteria(saved.Metadata.SequenceNr - 1)));
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(f => Log.Warning(f.Cause, "{0}: old snapshots could not be deleted; they are harmless", persistenceId));
        Command<SaveSnapshotFailure>(f => Log.Warning(f.Cause, "{0}: snapshot failed; recovery replays more events", persistenceId));
    }

    protected string PartitionId { get; }

    public override string PersistenceId { get; }

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        base.OnPersistRejected(cause, @event, sequenceNr);
        Context.Stop(Self);
    }
}
