using Akka.Actor;

namespace Zone.Actors.Persistence;

/// <summary>A payload as a durable store keeps it: the serializer that wrote it, its manifest and its bytes.</summary>
public readonly record struct SerializedPayload(int SerializerId, string Manifest, byte[] Bytes);

/// <summary>Serializes payloads with the serializer Akka binds to their type (Zone's own for every Zone event and snapshot).</summary>
public sealed class PayloadSerialization(ActorSystem system)
{
    private readonly Akka.Serialization.Serialization _serialization = system.Serialization;

    public SerializedPayload Serialize(object payload)
    {
        var serializer = _serialization.FindSerializerFor(payload);
        return new SerializedPayload(serializer.Identifier, Akka.Serialization.Serialization.ManifestFor(serializer, payload), serializer.ToBinary(payload));
    }

    public object Deserialize(SerializedPayload payload) => _serialization.Deserialize(payload.Bytes, payload.SerializerId, payload.Manifest);
}
