using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Serialization;
using Zone.Actors.Diagnostics;
using Zone.Actors.Hosting;
using Zone.Actors.Serialization;
using Zone.Actors.Sharding;
using Zone.Host.Node;

namespace Zone.Host.Bench;

/// <summary>
/// Raw local tell vs request/response through a shard region on a real single-node cluster, plus the
/// encode/decode rate of Zone's serializer against Akka's default JSON serializer on the same message.
/// </summary>
public sealed class MessagingBench : IBenchSuite
{
    private const int EchoEntityCount = 100;

    public string Name => "messaging";
    public string Description => "raw Akka tell vs sharded request/response; Zone serializer vs JSON";

    private sealed class EchoRegion;

    public async Task<BenchReport> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var report = new BenchReport(Name);
        var settings = ZoneSettings.ForTests() with { SystemName = "zone-bench" };
        await using var node = await ZoneNode.StartAsync(settings, context.Configuration.LogLevel, (builder, _) =>
            builder.WithShardRegion<EchoRegion>("echo", EchoEntity.Props, new ZoneMessageExtractor(settings.Cluster.NumberOfShards),
                ZoneHostingExtensions.ShardOptions()), cancellationToken);

        context.Progress("raw local tell (echo actor, window of 1,000 in flight)");
        var raw = await RoundTrips(node.System, node.System.ActorOf(EchoEntity.Props(), "raw-echo"), context);
        report.Add("raw tell round trips", raw, "round trips/s");

        context.Progress($"sharded request/response ({EchoEntityCount} entities, single-node cluster)");
        var sharded = await RoundTrips(node.System, node.Registry.Get<EchoRegion>(), context);
        report.Add("sharded round trips", sharded, "round trips/s");
        report.AddRatio("sharded / raw tell", "sharded round trips", "raw tell round trips");

        context.Progress("serializer encode + decode");
        MeasureSerializers(node.System, report, context);
        report.Note("one round trip is a request and its reply: two messages");
        return report;
    }

    private static async Task<double> RoundTrips(ActorSystem system, IActorRef target, BenchContext context)
    {
        var driver = system.ActorOf(RoundTripDriver.Props(target, EchoEntityCount));
        var timeout = context.Warmup + context.Measure + TimeSpan.FromSeconds(60);
        await driver.Ask<RoundTripDriver.Completed>(new RoundTripDriver.Run(context.Warmup), timeout);
        var measured = await driver.Ask<RoundTripDriver.Completed>(new RoundTripDriver.Run(context.Measure), timeout);
        system.Stop(driver);
        return measured.RoundTrips / measured.Elapsed.TotalSeconds;
    }

    private static void MeasureSerializers(ActorSystem system, BenchReport report, BenchContext context)
    {
        var sample = new Echo("provider-000042", 1_234_567);
        var zone = system.Serialization.FindSerializerFor(sample);
        var json = new NewtonSoftJsonSerializer((ExtendedActorSystem)system);
        var zoneManifest = ZoneSerializer.Registry.ManifestOf(typeof(Echo));

        var zoneRate = EncodeDecodeRate(context, () => ZoneSerializer.Decode(zone.ToBinary(sample), zoneManifest));
        var jsonRate = EncodeDecodeRate(context, () => json.FromBinary(json.ToBinary(sample), typeof(Echo)));
        report.Add("zone serializer encode+decode", zoneRate, "messages/s");
        report.Add("json serializer encode+decode", jsonRate, "messages/s");
        report.Add("zone serializer payload", zone.ToBinary(sample).Length, "bytes");
        report.Add("json serializer payload", json.ToBinary(sample).Length, "bytes");
        report.AddRatio("zone / json serializer", "zone serializer encode+decode", "json serializer encode+decode");
    }

    private static double EncodeDecodeRate(BenchContext context, Func<object> roundTrip)
    {
        RunFor(context.Warmup, roundTrip);
        var (count, elapsed) = RunFor(context.Measure, roundTrip);
        return count / elapsed.TotalSeconds;
    }

    private static (long Count, TimeSpan Elapsed) RunFor(TimeSpan duration, Func<object> roundTrip)
    {
        const int checkEvery = 1_024;
        var clock = Stopwatch.StartNew();
        long count = 0;
        do
        {
            for (var i = 0; i < checkEvery; i++) roundTrip();
            count += checkEvery;
        } while (clock.Elapsed < duration);
        return (count, clock.Elapsed);
    }
}
