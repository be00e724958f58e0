using Akka.Actor;
using Akka.Hosting;
using Akka.Cluster.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Zone.Actors.Hosting;
using Zone.Actors.Sharding;
using Zone.Host.Bench;

namespace Zone.Actors.Tests.Persistence;

/// <summary>
/// A sharded event-sourced entity persists, the whole node stops, a new node starts on the same store and
/// finds the entity's state: the promise every Zone entity relies on, on each durable provider.
/// </summary>
public sealed class PersistenceRecoveryTests
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Sharded_entity_state_survives_a_restart_on_sqlite()
    {
        var directory = Directory.CreateTempSubdirectory("zone-sqlite-");
        try
        {
            await AssertStateSurvivesRestart(PersistenceSettings.SqliteFile(Path.Combine(directory.FullName, "zone.db")));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Sharded_entity_state_survives_a_restart_on_postgres()
    {
        await using var postgres = await ThrowawayPostgres.StartAsync();
        await AssertStateSurvivesRestart(PersistenceSettings.Postgres(postgres.ConnectionString));
    }

    private static async Task AssertStateSurvivesRestart(PersistenceSettings persistence)
    {
        var settings = ZoneSettings.ForTests(persistence);

        await using (var first = await CounterNode.StartAsync(settings))
        {
            foreach (var amount in new long[] { 5, 7, 30 })
                await first.Region.Ask<CounterValue>(new AddToCounter("alpha", amount), AskTimeout);
            var beta = await first.Region.Ask<CounterValue>(new AddToCounter("beta", -4), AskTimeout);
            Assert.Equal(-4, beta.Total);
        }

        await using var second = await CounterNode.StartAsync(settings);
        var alpha = await second.Region.Ask<CounterValue>(new ReadCounter("alpha"), AskTimeout);
        Assert.Equal(new CounterValue("alpha", 42, 3), alpha);
        var recoveredBeta = await second.Region.Ask<CounterValue>(new ReadCounter("beta"), AskTimeout);
        Assert.Equal(new CounterValue("beta", -4, 1), recoveredBeta);
    }

    private sealed class CounterRegion;

    private sealed class CounterNode(IHost host, IActorRef region) : IAsyncDisposable
    {
        public IActorRef Region { get; } = region;

        public static async Task<CounterNode> StartAsync(ZoneSettings settings)
        {
            var host = new HostBuilder()
                .ConfigureServices(services => services.AddAkka(settings.SystemName, builder => builder
                    .WithZoneNode(settings)
                    .WithShardRegion<CounterRegion>("counter", CounterEntity.Props, new ZoneMessageExtractor(10),
                        ZoneHostingExtensions.ShardOptions())))
                .Build();
            await host.StartAsync();
            var region = host.Services.GetRequiredService<ActorRegistry>().Get<CounterRegion>();
            return new CounterNode(host, region);
        }

        public async ValueTask DisposeAsync()
        {
            await host.StopAsync();
            host.Dispose();
        }
    }
}
