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
/// each event is encoded straight onto the end of 2 MB chunks of native memory (<see cref="NativeBlock"/>, huge pages), which
/// the collector neither traces nor moves: kept as one array per event the bytes would still be copied from generation to
/// generation as the journal grows (tens of MB a second on the ledger bench), and an array per event, or chunks on the
/// large-object heap, were fresh 4 KB pages to fault in. The next chunk is touched ahead on another thread
/// (<see cref="PretouchedBlocks"/>). Deleting events forgets them but leaves their bytes in the chunks until the journal
/// stops. Configured by <see cref="MemoryPersistence"/>.
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

    private const int ChunkBytes = 2 << 20; // a huge page

    private readonly Dictionary<string, Stream> _streams = new(StringComparer.Ordinal);
    private readonly List<NativeBlock> _chunks = [];
    private readonly PretouchedBlocks _freshChunks = new(ChunkBytes);
    private int _chunkUsed;
    private readonly Lock _gate = new();
    private readonly PayloadSerialization _serialization;
    private readonly Func<ReadOnlySpan<byte>, (int Chunk, int Offset, int Length)> _append; // Append, made a delegate once

    public SerializedMemoryJournal()
    {
        _serialization = new PayloadSerialization(Context.System);
        _append = Append;
    }

    protected override Task<IImmutableList<Exception>> WriteMessagesAsync(IEnumerable<AtomicWrite> messages, CancellationToken cancellationToken)
    {
        var results = ImmutableList.CreateBuilder<Exception>();
        foreach (var write in messages)
        {
            var events = (IImmutableList<IPersistentRepresentation>)write.Payload;
            var stored = new StoredEvent[events.Count];
            Exception? failure = null;
            lock (_gate)
            {
                // Each event is serialized straight to the end of the chunks. An atomic write is all or nothing: if one
                // event fails to serialize, the chunks are cut back to where this write began and nothing is stored.
                var (chunks, chunkUsed) = (_chunks.Count, _chunkUsed);
                try
                {
                    for (var i = 0; i < events.Count; i++)
                    {
                        var e = events[i];
                        var (serializerId, payloadManifest, (chunk, offset, length)) = _serialization.Serialize(e.Payload, _append);
                        stored[i] = new StoredEvent(e.SequenceNr, serializerId, payloadManifest, chunk, offset, length, e.Manifest, e.WriterGuid, e.Timestamp);
                    }
                    var stream = StreamOf(write.PersistenceId);
                    stream.Events.AddRange(stored);
                    stream.Highest = Math.Max(stream.Highest, write.HighestSequenceNr);
                }
                catch (Exception exception)
                {
                    failure = exception;
                    foreach (var added in _chunks.Skip(chunks)) added.Dispose();
                    _chunks.RemoveRange(chunks, _chunks.Count - chunks);
                    _chunkUsed = chunkUsed;
                }
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
                        replay.Add((e, new SerializedPayload(e.SerializerId, e.PayloadManifest, _chunks[e.Chunk].Slice(e.Offset, e.Length).ToArray())));
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
    private (int Chunk, int Offset, int Length) Append(ReadOnlySpan<byte> bytes)
    {
        if (_chunks.Count == 0 || _chunkUsed + bytes.Length > _chunks[^1].Length)
        {
            _chunks.Add(bytes.Length <= ChunkBytes ? _freshChunks.Take() : new NativeBlock(bytes.Length));
            _chunkUsed = 0;
        }
        bytes.CopyTo(_chunks[^1].Slice(_chunkUsed, bytes.Length));
        var offset = _chunkUsed;
        _chunkUsed += bytes.Length;
        return (_chunks.Count - 1, offset, bytes.Length);
    }

    protected override void PostStop()
    {
        base.PostStop();
        lock (_gate)
        {
            foreach (var chunk in _chunks) chunk.Dispose();
            _chunks.Clear();
            _freshChunks.Dispose();
            _streams.Clear();
        }
    }

    private Stream StreamOf(string persistenceId)
    {
        if (!_streams.TryGetValue(persistenceId, out var stream)) _streams[persistenceId] = stream = new Stream();
        return stream;
    }
}
