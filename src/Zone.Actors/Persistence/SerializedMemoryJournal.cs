using System.Collections.Immutable;
using Akka.Actor;
using Akka.Persistence;
using Akka.Persistence.Journal;

namespace Zone.Actors.Persistence;

/// <summary>
/// The memory journal: events live in this process only, but each is stored serialized, as the SQL journals store it.
/// Akka's own in-memory journal keeps every event as the object graph that was persisted; the collector then traces and
/// promotes everything ever written (measured on the ledger bench: over half of all CPU samples in the collector, the
/// heap past 2 GB within 15 s). Here every write and replay goes through the same serializers a durable journal uses, and
/// the bytes are appended to large chunks that the collector neither traces nor moves: kept as one array per event they
/// would still be copied from generation to generation as the journal grows (tens of MB a second on the ledger bench).
/// Deleting events forgets them but leaves their bytes in the chunks until the process ends. Configured by
/// <see cref="MemoryPersistence"/>.
/// Every call completes before it returns; the lock only guards against Akka ever calling from two threads at once.
/// </summary>
public sealed class SerializedMemoryJournal : AsyncWriteJournal
{
    private sealed class Stream
    {
        public readonly List<StoredEvent> Events = [];
        public long Highest;
    }

    /// <param name="Chunk">Where the payload's bytes are: chunk, offset and length.</param>
    private readonly record struct StoredEvent(long SequenceNr, int SerializerId, string PayloadManifest, int Chunk, int Offset, int Length,
        string Manifest, string WriterGuid, long Timestamp);

    private const int ChunkBytes = 1 << 20; // on the large-object heap, which the collector does not compact

    private readonly Dictionary<string, Stream> _streams = new(StringComparer.Ordinal);
    private readonly List<byte[]> _chunks = [];
    private int _chunkUsed;
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
            var payloads = new SerializedPayload[events.Count];
            Exception? failure = null;
            for (var i = 0; i < events.Count && failure is null; i++)
            {
                try { payloads[i] = _serialization.Serialize(events[i].Payload); }
                catch (Exception exception) { failure = exception; }
            }
            if (failure is null)
                lock (_gate)
                {
                    var stream = StreamOf(write.PersistenceId);
                    for (var i = 0; i < events.Count; i++)
                    {
                        var (chunk, offset) = Append(payloads[i].Bytes);
                        var e = events[i];
                        stream.Events.Add(new StoredEvent(e.SequenceNr, payloads[i].SerializerId, payloads[i].Manifest, chunk, offset, payloads[i].Bytes.Length,
                            e.Manifest, e.WriterGuid, e.Timestamp));
                    }
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
        var replay = new List<(StoredEvent Event, SerializedPayload Payload)>();
        lock (_gate)
            if (_streams.TryGetValue(persistenceId, out var stream))
                foreach (var e in stream.Events)
                {
                    if (replay.Count >= max || e.SequenceNr > toSequenceNr) break;
                    if (e.SequenceNr >= fromSequenceNr)
                        replay.Add((e, new SerializedPayload(e.SerializerId, e.PayloadManifest, _chunks[e.Chunk].AsSpan(e.Offset, e.Length).ToArray())));
                }
        foreach (var (e, payload) in replay)
            recoveryCallback(new Persistent(_serialization.Deserialize(payload), e.SequenceNr, persistenceId, e.Manifest, false, ActorRefs.NoSender,
                e.WriterGuid, e.Timestamp));
        return Task.CompletedTask;
    }

    public override Task<long> ReadHighestSequenceNrAsync(string persistenceId, long fromSequenceNr, CancellationToken cancellationToken)
    {
        lock (_gate) return Task.FromResult(_streams.TryGetValue(persistenceId, out var stream) ? stream.Highest : 0L);
    }

    /// <summary>Copies bytes to the end of the last chunk, or into a new one (an event larger than a chunk gets one of its own).</summary>
    private (int Chunk, int Offset) Append(byte[] bytes)
    {
        if (_chunks.Count == 0 || _chunkUsed + bytes.Length > _chunks[^1].Length)
        {
            _chunks.Add(new byte[Math.Max(ChunkBytes, bytes.Length)]);
            _chunkUsed = 0;
        }
        bytes.CopyTo(_chunks[^1], _chunkUsed);
        var offset = _chunkUsed;
        _chunkUsed += bytes.Length;
        return (_chunks.Count - 1, offset);
    }

    private Stream StreamOf(string persistenceId)
    {
        if (!_streams.TryGetValue(persistenceId, out var stream)) _streams[persistenceId] = stream = new Stream();
        return stream;
    }
}
