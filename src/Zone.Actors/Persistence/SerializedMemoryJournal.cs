using System.Collections.Immutable;
using Akka.Actor;
using Akka.Persistence;
using Akka.Persistence.Journal;

namespace Zone.Actors.Persistence;

/// <summary>
/// The memory journal: events live in this process only, but each is stored serialized, as the SQL journals store it.
/// Akka's own in-memory journal keeps every event as the object graph that was persisted; the collector then traces and
/// promotes everything ever written (measured on the ledger bench: over half of all CPU samples in the collector, the
/// heap past 2 GB within 15 s). Stored as bytes, an event is one array the collector never looks into, and every write
/// and replay goes through the same serializers a durable journal uses. Configured by <see cref="MemoryPersistence"/>.
/// Every call completes before it returns; the lock only guards against Akka ever calling from two threads at once.
/// </summary>
public sealed class SerializedMemoryJournal : AsyncWriteJournal
{
    private sealed class Stream
    {
        public readonly List<StoredEvent> Events = [];
        public long Highest;
    }

    private readonly record struct StoredEvent(long SequenceNr, SerializedPayload Payload, string Manifest, string WriterGuid, long Timestamp);

    private readonly Dictionary<string, Stream> _streams = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly PayloadSerialization _serialization;

    public SerializedMemoryJournal() => _serialization = new PayloadSerialization(Context.System);

    protected override Task<IImmutableList<Exception>> WriteMessagesAsync(IEnumerable<AtomicWrite> messages, CancellationToken cancellationToken)
    {
        var results = ImmutableList.CreateBuilder<Exception>();
        foreach (var write in messages)
        {
            // An atomic write is all or nothing: serialize every event first, store only if all of them succeed.
            var events = (IImmutableList<IPersistentRepresentation>)write.Payload;
            var stored = new StoredEvent[events.Count];
            Exception? failure = null;
            for (var i = 0; i < events.Count && failure is null; i++)
            {
                var e = events[i];
                try { stored[i] = new StoredEvent(e.SequenceNr, _serialization.Serialize(e.Payload), e.Manifest, e.WriterGuid, e.Timestamp); }
                catch (Exception exception) { failure = exception; }
            }
            if (failure is null)
                lock (_gate)
                {
                    var stream = StreamOf(write.PersistenceId);
                    stream.Events.AddRange(stored);
                    stream.Highest = Math.Max(stream.Highest, write.HighestSequenceNr);
                }
            results.Add(failure!);
        }
        // Akka reads a null list as "every write succeeded".
        return Task.FromResult<IImmutableList<Exception>>(results.All(r => r is null) ? null! : results.ToImmutable());
    }

    protected override Task DeleteMessagesToAsync(string persistenceId, long toSequenceNr, CancellationToken cancellationToken)
    {
        lock (_gate)
            if (_streams.TryGetValue(persistenceId, out var stream)) stream.Events.RemoveAll(e => e.SequenceNr <= toSequenceNr);
        return Task.CompletedTask;
    }

    public override Task ReplayMessagesAsync(IActorContext context, string persistenceId, long fromSequenceNr, long toSequenceNr, long max,
        Action<IPersistentRepresentation> recoveryCallback)
    {
        StoredEvent[] events;
        lock (_gate) events = _streams.TryGetValue(persistenceId, out var stream) ? [.. stream.Events] : [];
        long replayed = 0;
        foreach (var e in events)
        {
            if (replayed >= max || e.SequenceNr > toSequenceNr) break;
            if (e.SequenceNr < fromSequenceNr) continue;
            recoveryCallback(new Persistent(_serialization.Deserialize(e.Payload), e.SequenceNr, persistenceId, e.Manifest, false, ActorRefs.NoSender,
                e.WriterGuid, e.Timestamp));
            replayed++;
        }
        return Task.CompletedTask;
    }

    public override Task<long> ReadHighestSequenceNrAsync(string persistenceId, long fromSequenceNr, CancellationToken cancellationToken)
    {
        lock (_gate) return Task.FromResult(_streams.TryGetValue(persistenceId, out var stream) ? stream.Highest : 0L);
    }

    private Stream StreamOf(string persistenceId)
    {
        if (!_streams.TryGetValue(persistenceId, out var stream)) _streams[persistenceId] = stream = new Stream();
        return stream;
    }
}
