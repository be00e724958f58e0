using Akka.Cluster;
using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;
using Akka.Hosting;

namespace Zone.Actors.Hosting;

/// <summary>Akka.Hosting wiring of the parts every Zone node has: serializer, persistence, cluster.</summary>
public static class ZoneHostingExtensions
{
    /// <summary>
    /// Serializer, persistence and cluster from <paramref name="settings"/>. With no seed nodes the node joins
    /// itself: a real single-node cluster, the default for one process.
    /// </summary>
    public static AkkaConfigurationBuilder WithZoneNode(this AkkaConfigurationBuilder builder, ZoneSettings settings)
    {
        builder.AddHocon(ZoneHocon.For(settings), HoconAddMode.Prepend);
        if (settings.Cluster.SeedNodes.Count == 0)
            builder.AddStartup((system, _) =>
            {
                var cluster = Cluster.Get(system);
                cluster.Join(cluster.SelfAddress);
            });
        return builder;
    }

    /// <summary>
    /// Shard options every Zone entity type uses: ddata state store (Akka.Hosting would otherwise leave the
    /// deprecated persistence mode), no remember-entities (entities recover lazily on their next message).
    /// </summary>
    public static ShardOptions ShardOptions(string? role = null) => new()
    {
        StateStoreMode = StateStoreMode.DData,
        RememberEntities = false,
        Role = role,
    };
}
