using Akka.Configuration;
using Zone.Actors.Serialization;

namespace Zone.Actors.Hosting;

/// <summary>The complete Akka configuration of a Zone node, for Akka.Hosting and for tests that create an ActorSystem directly.</summary>
public static class ZoneHocon
{
    /// <summary>hocon/cluster.conf, embedded so that a node finds it whatever its working directory.</summary>
    public static string ClusterDefaults { get; } = ReadEmbedded("Zone.cluster.conf");

    public static string For(ZoneSettings settings)
    {
        var cluster = settings.Cluster;
        var seeds = string.Join(", ", cluster.SeedNodes.Select(PersistenceHocon.Quote));
        var roles = string.Join(", ", cluster.Roles.Select(PersistenceHocon.Quote));
        return string.Join('\n',
            $$"""
            akka.remote.dot-netty.tcp { hostname = {{PersistenceHocon.Quote(cluster.Hostname)}}, port = {{cluster.Port}} }
            akka.cluster { seed-nodes = [{{seeds}}], roles = [{{roles}}] }
            """,
            ZoneSerializer.Hocon,
            PersistenceHocon.For(settings.Persistence),
            ClusterDefaults);
    }

    public static Config Config(ZoneSettings settings) => ConfigurationFactory.ParseString(For(settings));

    private static string ReadEmbedded(string name)
    {
        using var stream = typeof(ZoneHocon).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"embedded resource {name} is missing from {typeof(ZoneHocon).Assembly.GetName().Name}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
