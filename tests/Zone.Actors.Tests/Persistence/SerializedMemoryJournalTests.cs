using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Zone.Actors.Hosting;
using Zone.Actors.Serialization;

namespace Zone.Actors.Tests.Persistence;

/// <summary>
/// The memory provider's journal and snapshot store (<see cref="Zone.Actors.Persistence.SerializedMemoryJournal"/>):
/// what an entity persisted comes back after it restarts, through the serializers; a write that cannot be serialized
/// is rejected and stores none of its events; snapshots and deletions keep the sequence numbers right; events and
/// snapshots larger than the stores' native blocks come back whole, and so does a snapshot written into a deleted one's memory.
/// </summary>
public sealed class SerializedMemoryJournalTests() : Akka.TestKit.Xunit2.TestKit(ConfigurationFactory.ParseString(
    string.Join('\n', "akka.loglevel = ERROR", ZoneSerializer.Hocon, PersistenceHocon.For(Zone.Actors.Hosting.PersistenceSettings.InMemory))))
{
    [Fact]
    public void Events_come_back_after_a_restart_and_a_write_that_cannot_be_serialized_stores_nothing()
    {
        var first = Start("a");
        first.Tell(new Add(5));
        first.Tell(new Add(7));
        Assert.Equal(new Tally(12, 2, 0), Ask(first));
        // Its atomic write holds a valid event and one no serializer can write: the journal rejects the write whole (the
        // entity hears of it, applies nothing, and goes on).
        first.Tell(AddUnserializable.Instance);
        Assert.Equal(new Tally(12, 2, 0), Ask(first));
        Stop(first);

        var second = Start("a");
        Assert.Equal(new Tally(12, 2, 0), Ask(second));
        second.Tell(new Add(30));
        Assert.Equal(new Tally(42, 3, 0), Ask(second));
        Assert.Equal(new Tally(0, 0, 0), Ask(Start("b")));
    }

    [Fact]
    public void Recovery_starts_from_the_latest_snapshot_and_deleting_events_keeps_the_sequence()
    {
        var first = Start("c");
        foreach (var amount in new long[] { 1, 2, 3 }) first.Tell(new Add(amount));
        Snapshot(first, paddingChars: 0);
        first.Tell(new Add(10));
        first.Tell(new DeleteEventsTo(3));
        ExpectMsg<DeleteMessagesSuccess>();
        Stop(first);

        // Snapshot at 3 (total 6), then event 4: the three deleted events are not needed and not replayed.
        var second = Start("c");
        Assert.Equal(new Tally(16, 1, 3), Ask(second));
        second.Tell(new Add(100));
        Assert.Equal(new Tally(116, 2, 3), Ask(second));
        Stop(second);
        Assert.Equal(new Tally(116, 2, 3), Ask(Start("c")));
        Assert.Equal(5, Ask<long>(Start("c"), ReadSequence.Instance));
    }

    [Fact]
    public void Events_of_any_size_come_back_in_order_across_the_journal_chunks()
    {
        // 2 MB chunks: a 3 MB event gets a chunk of its own, two of 1.2 MB do not fit in one.
        var sizes = new[] { 0, 3_000_000, 0, 1_200_000, 1_200_000, 0, 5_000_000, 10 };
        var first = Start("d");
        for (var i = 0; i < sizes.Length; i++) first.Tell(new AddPadded(i + 1, sizes[i]));
        Assert.Equal("1,2,3,4,5,6,7,8", Ask<string>(first, ReadAmounts.Instance));
        // A write that fails after its first event opened a new chunk: the chunk goes with it, and the next event is
        // stored where the failed write would have begun.
        first.Tell(new AddPaddedThenUnserializable(1_500_000));
        first.Tell(new AddPadded(9, 700_000));
        Assert.Equal("1,2,3,4,5,6,7,8,9", Ask<string>(first, ReadAmounts.Instance));
        Stop(first);

        Assert.Equal("1,2,3,4,5,6,7,8,9", Ask<string>(Start("d"), ReadAmounts.Instance));
    }

    [Fact]
    public void A_large_snapshot_comes_back_whole_and_a_deleted_one_is_not_used()
    {
        var first = Start("e");
        first.Tell(new Add(4));
        Snapshot(first, paddingChars: 3_000_000);
        first.Tell(new Add(5));
        Stop(first);

        // From the 3 MB snapshot at 1 (total 4), then event 2.
        var second = Start("e");
        Assert.Equal(new Tally(9, 1, 1), Ask(second));
        second.Tell(new DeleteSnapshotAt(1));
        ExpectMsg<DeleteSnapshotSuccess>();
        Stop(second);

        Assert.Equal(new Tally(9, 2, 0), Ask(Start("e")));
    }

    [Fact]
    public void A_snapshot_written_into_the_memory_of_a_deleted_one_comes_back_without_its_bytes()
    {
        // The store keeps a deleted snapshot's memory for the next snapshot: the 1 MB snapshot at 1 is deleted once the
        // 1.5 MB one at 2 is saved, and the small one at 3 is written where the first one's bytes lie.
        var first = Start("f");
        first.Tell(new Add(1));
        Snapshot(first, paddingChars: 1_000_000);
        first.Tell(new Add(2));
        Snapshot(first, paddingChars: 1_500_000);
        first.Tell(new DeleteSnapshotAt(1));
        ExpectMsg<DeleteSnapshotSuccess>();
        first.Tell(new Add(3));
        Snapshot(first, paddingChars: 10);
        Stop(first);

        // From the snapshot at 3 (total 6, its padding intact), nothing to replay.
        Assert.Equal(new Tally(6, 0, 3), Ask(Start("f")));
    }

    private void Snapshot(IActorRef entity, int paddingChars)
    {
        entity.Tell(new TakeSnapshot(paddingChars));
        ExpectMsg<SaveSnapshotSuccess>();
    }

    private IActorRef Start(string id) => Sys.ActorOf(Props.Create(() => new Tallying(id)));

    private Tally Ask(IActorRef entity) => Ask<Tally>(entity, ReadTally.Instance);

    private T Ask<T>(IActorRef entity, object question)
    {
        entity.Tell(question);
        return ExpectMsg<T>();
    }

    private void Stop(IActorRef entity)
    {
        Watch(entity);
        entity.Tell(PoisonPill.Instance);
        ExpectTerminated(entity);
    }

    private sealed record Add(long Amount);
    private sealed record AddPadded(long Amount, int PaddingChars);
    private sealed record ReadAmounts { public static readonly ReadAmounts Instance = new(); }
    private sealed record AddUnserializable { public static readonly AddUnserializable Instance = new(); }
    private sealed record AddPaddedThenUnserializable(int PaddingChars);
    private sealed record TakeSnapshot(int PaddingChars);
    private sealed record DeleteSnapshotAt(long SequenceNr);
    private sealed record DeleteEventsTo(long SequenceNr);
    private sealed record ReadTally { public static readonly ReadTally Instance = new(); }
    private sealed record ReadSequence { public static readonly ReadSequence Instance = new(); }

    /// <param name="Replayed">Events applied since the entity started (replayed or new).</param>
    /// <param name="SnapshotSequenceNr">The snapshot recovery started from, 0 if none.</param>
    private sealed record Tally(long Total, long Replayed, long SnapshotSequenceNr);

    /// <summary>No serializer can write it: reading its value throws.</summary>
    private sealed class Unserializable
    {
        public int Value => throw new InvalidOperationException("this event cannot be serialized");
    }

    private sealed class Tallying : ReceivePersistentActor
    {
        private long _total, _applied, _snapshotSequenceNr;
        private IActorRef? _asker;
        private readonly List<long> _amounts = [];

        public Tallying(string id)
        {
            PersistenceId = $"tally-{id}";
            Recover<SnapshotOffer>(offer =>
            {
                var snapshot = (CounterValue)offer.Snapshot;
                // A snapshot's entity id is the persistence id and its padding: anything else came back damaged.
                var intact = snapshot.EntityId.StartsWith(PersistenceId, StringComparison.Ordinal) &&
                             snapshot.EntityId.AsSpan(PersistenceId.Length).IndexOfAnyExcept('p') < 0;
                _total = intact ? snapshot.Total : -1;
                _snapshotSequenceNr = offer.Metadata.SequenceNr;
            });
            Recover<CounterAdded>(Apply);
            // A padded event: its entity id is the padding, its total the amount, its event count the padding's length.
            Recover<CounterValue>(ApplyPadded);
            Command<AddPadded>(add => Persist(new CounterValue(new string('p', add.PaddingChars), add.Amount, add.PaddingChars), ApplyPadded));
            Command<ReadAmounts>(_ => Sender.Tell(string.Join(',', _amounts)));
            Command<Add>(add => Persist(new CounterAdded(add.Amount), Apply));
            Command<AddUnserializable>(_ => PersistAll(new object[] { new CounterAdded(1_000), new Unserializable() }, _ => _applied = -1_000));
            Command<AddPaddedThenUnserializable>(add =>
                PersistAll(new object[] { new CounterValue(new string('p', add.PaddingChars), 99, add.PaddingChars), new Unserializable() }, e => ApplyPadded((CounterValue)e)));
            Command<TakeSnapshot>(take =>
            {
                _asker = Sender;
                SaveSnapshot(new CounterValue(PersistenceId + new string('p', take.PaddingChars), _total, _applied));
            });
            Command<SaveSnapshotSuccess>(success => _asker?.Tell(success));
            Command<DeleteSnapshotAt>(delete =>
            {
                _asker = Sender;
                DeleteSnapshot(delete.SequenceNr);
            });
            Command<DeleteSnapshotSuccess>(success => _asker?.Tell(success));
            Command<DeleteEventsTo>(delete =>
            {
                _asker = Sender;
                DeleteMessages(delete.SequenceNr);
            });
            Command<DeleteMessagesSuccess>(success => _asker?.Tell(success));
            Command<ReadTally>(_ => Sender.Tell(new Tally(_total, _applied, _snapshotSequenceNr)));
            Command<ReadSequence>(_ => Sender.Tell(LastSequenceNr));
        }

        public override string PersistenceId { get; }

        private void ApplyPadded(CounterValue padded) =>
            _amounts.Add(padded.EntityId.Length == padded.Events && padded.EntityId.All(c => c == 'p') ? padded.Total : -1); // -1: the bytes came back damaged

        private void Apply(CounterAdded added)
        {
            _total += added.Amount;
            _applied++;
        }
    }
}
