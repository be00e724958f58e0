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

    /// <summary>Writers up to this size are kept for the thread's next message; a rare larger one is let go.</summary>
    private const int MaxKeptWriterBytes = 4 << 20;

    // One writer per thread, reused. A journal event holding a large group commit is hundreds of KB, and a fresh writer
    // doubling its way up to that allocated each step on the large-object heap, which drove gen2 collections.
    [ThreadStatic] private static ZoneWriter? _spareWriter;

    public static byte[] Encode(object message) => Encode(message, static bytes => bytes.ToArray());

    /// <summary>
    /// Encodes <paramref name="message"/> and hands its bytes to <paramref name="consume"/>, which must copy what it keeps:
    /// they are the thread's reused writer. A store that copies them into memory of its own saves an array per message.
    /// </summary>
    public static TResult Encode<TResult>(object message, Func<ReadOnlySpan<byte>, TResult> consume)
    {
        var writer = _spareWriter ?? new ZoneWriter();
        _spareWriter = null; // a codec that encodes a nested message on this thread meanwhile gets a writer of its own
        try
        {
            return Encode(message, writer, consume);
        }
        finally
        {
            if (writer.Capacity <= MaxKeptWriterBytes) _spareWriter = writer;
        }
    }

    /// <summary>As <see cref="Encode{TResult}(object, Func{ReadOnlySpan{byte}, TResult})"/>, with a writer the caller keeps.</summary>
    public static TResult Encode<TResult>(object message, ZoneWriter writer, Func<ReadOnlySpan<byte>, TResult> consume)
    {
        var codec = Registry.CodecFor(message.GetType());
        writer.Reset();
        codec.Write(writer, message);
        return consume(writer.Written);
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
