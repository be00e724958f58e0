using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Zone.Actors.Hosting;

namespace Zone.Host.Node;

/// <summary>
/// A running Zone node: Microsoft.Extensions.Hosting + Akka.Hosting, with Akka's logs going through
/// Microsoft.Extensions.Logging. Commands add their own actors and regions through <c>configure</c>.
/// </summary>
public sealed class ZoneNode : IAsyncDisposable
{
    private readonly IHost _host;

    private ZoneNode(IHost host)
    {
        _host = host;
        System = host.Services.GetRequiredService<ActorSystem>();
        Registry = host.Services.GetRequiredService<ActorRegistry>();
    }

    public ActorSystem System { get; }
    public ActorRegistry Registry { get; }
    public IServiceProvider Services => _host.Services;

    public static async Task<ZoneNode> StartAsync(ZoneSettings settings, LogLevel logLevel,
        Action<AkkaConfigurationBuilder, IServiceProvider>? configure = null, CancellationToken cancellationToken = default)
    {
        var host = new HostBuilder()
            .ConfigureLogging(logging => logging
                .ClearProviders()
                .SetMinimumLevel(logLevel)
                // Logs go to stderr so that stdout carries only a command's result (e.g. --json output).
                .AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace)
                .AddSimpleConsole(console =>
                {
                    console.SingleLine = true;
                    console.TimestampFormat = "HH:mm:ss.fff ";
                    console.IncludeScopes = false;
                }))
            .ConfigureServices(services => services.AddAkka(settings.SystemName, (builder, provider) =>
            {
                builder
                    .ConfigureLoggers(loggers =>
                    {
                        loggers.LogLevel = AkkaLogLevel(logLevel);
                        loggers.ClearLoggers();
                        loggers.AddLoggerFactory();
                    })
                    .WithZoneNode(settings);
                configure?.Invoke(builder, provider);
            }))
            .Build();
        await host.StartAsync(cancellationToken);
        return new ZoneNode(host);
    }

    private static Akka.Event.LogLevel AkkaLogLevel(LogLevel level) => level switch
    {
        LogLevel.Trace or LogLevel.Debug => Akka.Event.LogLevel.DebugLevel,
        LogLevel.Information => Akka.Event.LogLevel.InfoLevel,
        LogLevel.Warning => Akka.Event.LogLevel.WarningLevel,
        _ => Akka.Event.LogLevel.ErrorLevel,
    };

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
