using Akka.Actor;
using Zone.Actors.Serialization;

namespace Zone.Actors.Persistence;

/// <summary>A payload as a durable store keeps it: the serializer that wrote it, its manifest and its bytes.</summary>
public readonly record struct SerializedPayload(int SerializerId, string Manifest, byte[] Bytes);

/// <summary>Serializes payloads with the serializer Akka binds to their type (Zone's own for every Zone event and snapshot).</summary>
public sealed class PayloadSerialization(ActorSystem system)
{
    private readonly Akka.Serialization.Serialization _serialization = system.Serialization;

    /// <summary>
    /// Serializes <paramref name="payload"/> and hands its bytes to <paramref name="store"/>, which must copy them: with Zone's
    /// serializer they are a reused writer's (the thread's, or <paramref name="writer"/>), so a store that keeps bytes in
    /// memory of its own allocates no array per payload.
    /// </summary>
    public (int SerializerId, string Manifest, TResult Stored) Serialize<TResult>(object payload, Func<ReadOnlySpan<byte>, TResult> store,
        ZoneWriter? writer = null)
    {
        var serializer = _serialization.FindSerializerFor(payload);
        var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, payload);
        var stored = serializer switch
        {
            ZoneSerializer when writer is not null => ZoneSerializer.Encode(payload, writer, store),
            ZoneSerializer => ZoneSerializer.Encode(payload, store),
            _ => store(serializer.ToBinary(payload)),
        };
        return (serializer.Identifier, manifest, stored);
    }

    public object Deserialize(SerializedPayload payload) => _serialization.Deserialize(payload.Bytes, payload.SerializerId, payload.Manifest);
}
