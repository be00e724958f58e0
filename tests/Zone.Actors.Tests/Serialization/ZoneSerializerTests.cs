using System.Reflection;
using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Serialization;
using Zone.Actors.Hosting;
using Zone.Actors.Ledger;
using Zone.Actors.Money;
using Zone.Actors.Serialization;

namespace Zone.Actors.Tests.Serialization;

public sealed class ZoneSerializerTests : Akka.TestKit.Xunit2.TestKit
{
    public ZoneSerializerTests() : base(ZoneHocon.Config(ZoneSettings.ForTests()))
    {
    }

    /// <summary>Every message type in Zone's assemblies, so a new type without a codec fails here, not in production.</summary>
    public static IReadOnlyList<Type> ZoneMessageTypes()
    {
        foreach (var name in typeof(ZoneSerializerTests).Assembly.GetReferencedAssemblies())
            if (name.Name?.StartsWith("Zone", StringComparison.Ordinal) == true) Assembly.Load(name);
        return AppDomain.CurrentDomain.GetAssemblies()
            .Where(a => a.GetName().Name?.StartsWith("Zone", StringComparison.Ordinal) == true)
            .SelectMany(a => a.GetTypes())
            .Where(t => typeof(IZoneMessage).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false, IsGenericTypeDefinition: false })
            .Where(t => t != typeof(Uncodable))
            .OrderBy(t => t.FullName, StringComparer.Ordinal)
            .ToList();
    }

    public static TheoryData<string> MessageTypeNames() => new(ZoneMessageTypes().Select(t => t.FullName!));

    [Theory]
    [MemberData(nameof(MessageTypeNames))]
    public void Every_zone_message_round_trips_through_akka_serialization(string typeName)
    {
        var types = ZoneMessageTypes();
        var type = types.Single(t => t.FullName == typeName);
        var original = new SampleMessages(types).Build(type);

        var serializer = Sys.Serialization.FindSerializerFor(original);
        Assert.IsType<ZoneSerializer>(serializer);
        var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, original);
        Assert.DoesNotContain(type.Namespace!, manifest);
        var bytes = serializer.ToBinary(original);
        var decoded = Sys.Serialization.Deserialize(bytes, serializer.Identifier, manifest);

        Assert.IsType(type, decoded);
        Assert.True(SampleMessages.DeepEqual(original, decoded), $"{typeName} changed in the round trip:\n{original}\n{decoded}");
    }

    [Fact]
    public void A_reused_writer_leaves_nothing_of_a_larger_message_in_the_next_one()
    {
        // Encode keeps one writer per thread: a large group commit, then a small command, must each encode alone.
        var large = new LedgerCommands("0", [.. Enumerable.Range(0, 5_000).Select(i => (ILedgerCommand)new Reserve($"consumer-{i}", $"job-{i}", new Opg(i + 1)))]);
        var small = new Release("consumer-1", "job-1");
        byte[] alone = [];
        var freshThread = new Thread(() => alone = ZoneSerializer.Encode(small)); // a new thread starts with a new writer
        freshThread.Start();
        freshThread.Join();

        var largeBytes = ZoneSerializer.Encode(large);
        var smallBytes = ZoneSerializer.Encode(small);

        Assert.Equal(alone, smallBytes);
        var decoded = (LedgerCommands)ZoneSerializer.Decode(largeBytes, ZoneSerializer.Registry.ManifestOf(typeof(LedgerCommands)));
        Assert.Equal(large.Commands.AsEnumerable(), decoded.Commands.AsEnumerable());
        Assert.Equal(small, ZoneSerializer.Decode(smallBytes, ZoneSerializer.Registry.ManifestOf(typeof(Release))));
    }

    [Theory]
    [InlineData("consumer-42")]
    [InlineData("")]
    [InlineData("job-é")]
    [InlineData("提供者-7 🚀")]
    [InlineData("ascii then é after 130 characters ........................................................................................")]
    public void Strings_are_written_as_their_length_in_utf8_bytes_then_those_bytes(string value)
    {
        // The ASCII fast path and the general one must produce one format: journals hold both.
        var writer = new ZoneWriter();
        writer.WriteString(value);
        writer.WriteString("next");
        var utf8 = System.Text.Encoding.UTF8.GetBytes(value);
        var length = new ZoneWriter();
        length.WriteVarULong((ulong)utf8.Length);
        Assert.Equal([.. length.ToArray(), .. utf8, 4, .. "next"u8], writer.ToArray());
        var reader = new ZoneReader(writer.ToArray());
        Assert.Equal(value, reader.ReadString());
        Assert.Equal("next", reader.ReadString());
    }

    [Fact]
    public void Manifests_are_unique_and_registered_for_every_message_type()
    {
        var registry = ZoneSerializer.Registry;
        var manifests = ZoneMessageTypes().Select(registry.ManifestOf).ToList();
        Assert.Equal(manifests.Count, manifests.Distinct(StringComparer.Ordinal).Count());
        Assert.Contains(typeof(Persistence.CounterAdded), registry.Types);
    }

    [Fact]
    public void An_unknown_manifest_or_a_corrupt_payload_is_a_clear_error()
    {
        var unknown = Assert.Throws<SerializationException>(() => ZoneSerializer.Decode([1], "no.such.manifest"));
        Assert.Contains("unknown Zone manifest 'no.such.manifest'", unknown.Message);

        var valid = ZoneSerializer.Encode(new Persistence.AddToCounter("alpha", 5));
        var truncated = Assert.Throws<SerializationException>(() => ZoneSerializer.Decode(valid[..^1], "test.counter.add"));
        Assert.Contains("truncated", truncated.Message);
        var extra = Assert.Throws<SerializationException>(() => ZoneSerializer.Decode([.. valid, 0], "test.counter.add"));
        Assert.Contains("unread bytes", extra.Message);
    }

    [Fact]
    public void A_zone_message_without_a_codec_is_named_in_the_error()
    {
        var error = Assert.Throws<ArgumentException>(() => ZoneSerializer.Encode(new Uncodable()));
        Assert.Contains(nameof(Uncodable), error.Message);
    }

    [Fact]
    public void Zone_messages_are_bound_to_zone_serializer_not_json()
    {
        var serializer = Sys.Serialization.FindSerializerForType(typeof(Persistence.CounterAdded));
        Assert.Equal(ZoneSerializer.Id, serializer.Identifier);
        Assert.IsNotType<NewtonSoftJsonSerializer>(serializer);
    }

    private sealed class Uncodable : IZoneMessage;
}
