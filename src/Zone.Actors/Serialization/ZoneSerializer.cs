using Akka.Actor;
using Akka.Serialization;

namespace Zone.Actors.Serialization;

/// <summary>
/// Zone's one serializer: compact binary codecs behind stable string manifests. Akka's default JSON
/// serializer writes CLR type names into the journal and made a ledger prototype ten times slower.
/// </summary>
public sealed class ZoneSerializer : SerializerWithStringManifest
{
    /// <summary>Fixed forever: journals record it next to every event.</summary>
    public const int Id = 7_301;

    private static readonly Lazy<CodecRegistry> SharedRegistry = new(CodecRegistry.Discover);

    public ZoneSerializer(ExtendedActorSystem system) : base(system)
    {
    }

    public static CodecRegistry Registry => SharedRegistry.Value;

    public override int Identifier => Id;

    public override string Manifest(object o) => Registry.ManifestOf(o.GetType());

    public override byte[] ToBinary(object obj) => Encode(obj);

    public override object FromBinary(byte[] bytes, string manifest) => Decode(bytes, manifest);

    public static byte[] Encode(object message)
    {
        var codec = Registry.CodecFor(message.GetType());
        var writer = new ZoneWriter();
        codec.Write(writer, message);
        return writer.ToArray();
    }

    public static object Decode(byte[] bytes, string manifest)
    {
        var codec = Registry.CodecFor(manifest);
        var reader = new ZoneReader(bytes);
        var message = codec.Read(reader);
        if (!reader.AtEnd)
            throw new System.Runtime.Serialization.SerializationException($"'{manifest}' left unread bytes: the payload does not match its codec");
        return message;
    }

    /// <summary>The HOCON that binds this serializer to <see cref="IZoneMessage"/>.</summary>
    public static string Hocon => $$"""
        akka.actor {
          serializers.zone = "{{TypeName(typeof(ZoneSerializer))}}"
          serialization-bindings { "{{TypeName(typeof(IZoneMessage))}}" = zone }
          serialization-identifiers { "{{TypeName(typeof(ZoneSerializer))}}" = {{Id}} }
        }
        """;

    private static string TypeName(Type type) => $"{type.FullName}, {type.Assembly.GetName().Name}";
}
