using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;
using Npgsql;
using Zone.Actors.Hosting;
using Zone.Host.Cli;
using Zone.Host.Configuration;

namespace Zone.Host.Doctor;

/// <summary>What a newcomer runs first: every prerequisite of a Zone node, each OK or a failure with its fix.</summary>
public static class DoctorCommand
{
    public static Command Create()
    {
        var command = new Command("doctor", "Check this machine: .NET, TorchSharp's native backend, persistence, cluster port");
        command.SetZoneAction(async (parse, cancellationToken) =>
        {
            var configuration = GlobalOptions.LoadConfiguration(parse);
            var settings = configuration.ToSettings();
            var checks = new List<DoctorCheck>();
            foreach (var check in Checks(configuration, settings))
            {
                var result = await check(cancellationToken);
                checks.Add(result);
                Print(result);
            }
            var failures = checks.Count(c => !c.Ok);
            Console.WriteLine(failures == 0 ? "all checks passed" : $"{failures} check(s) failed");
            return failures == 0 ? 0 : 1;
        });
        return command;
    }

    private static IEnumerable<Func<CancellationToken, Task<DoctorCheck>>> Checks(ZoneConfiguration configuration, ZoneSettings settings) =>
    [
        _ => Task.FromResult(DotNet()),
        _ => Task.FromResult(TorchCheck.Run()),
        ct => Persistence(configuration, settings.Persistence, ct),
        _ => Task.FromResult(ClusterPort(settings.Cluster)),
    ];

    private static void Print(DoctorCheck check)
    {
        Console.WriteLine($"{(check.Ok ? "OK  " : "FAIL")}  {check.Name,-12} {check.Detail}");
        if (check.Fix is not null) Console.WriteLine($"      {"",-12} fix: {check.Fix}");
    }

    private static DoctorCheck DotNet()
    {
        var version = Environment.Version;
        return version.Major >= 10
            ? DoctorCheck.Pass(".NET", $"{RuntimeInformation.FrameworkDescription} on {RuntimeInformation.OSDescription}, {Environment.ProcessorCount} cores")
            : DoctorCheck.Fail(".NET", $"runtime {version} is older than .NET 10", "install the .NET 10 SDK");
    }

    private static async Task<DoctorCheck> Persistence(ZoneConfiguration configuration, PersistenceSettings persistence, CancellationToken cancellationToken)
    {
        const string name = "persistence";
        try
        {
            return persistence.Provider switch
            {
                PersistenceProvider.Memory => DoctorCheck.Pass(name, "memory journal: nothing to open (nothing survives the process)"),
                PersistenceProvider.Sqlite => await Sqlite(configuration, persistence, cancellationToken),
                _ => await Postgres(persistence, cancellationToken),
            };
        }
        catch (Exception e) when (e is SqliteException or NpgsqlException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            return persistence.Provider == PersistenceProvider.Sqlite
                ? DoctorCheck.Fail(name, $"SQLite under {configuration.DataDirectory}: {e.Message}", "choose a writable directory with --data DIR")
                : DoctorCheck.Fail(name, $"PostgreSQL: {e.Message}",
                    "start the server and check zone.persistence.postgres-connection-string (or ZONE__PERSISTENCE__POSTGRES_CONNECTION_STRING)");
        }
    }

    private static async Task<DoctorCheck> Sqlite(ZoneConfiguration configuration, PersistenceSettings persistence, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(configuration.DataDirectory);
        await using var connection = new SqliteConnection(persistence.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        var mode = await Scalar(connection, "PRAGMA journal_mode=WAL;", cancellationToken);
        var synchronous = await Scalar(connection, "PRAGMA synchronous;", cancellationToken);
        var version = await Scalar(connection, "SELECT sqlite_version();", cancellationToken);
        return DoctorCheck.Pass("persistence", $"SQLite {version} at {connection.DataSource} (journal_mode={mode}, synchronous={synchronous})");
    }

    private static async Task<DoctorCheck> Postgres(PersistenceSettings persistence, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(persistence.ConnectionString);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        await connection.OpenAsync(timeout.Token);
        await using var command = new NpgsqlCommand("SELECT version()", connection);
        var version = (string?)await command.ExecuteScalarAsync(timeout.Token);
        return DoctorCheck.Pass("persistence", $"PostgreSQL reachable at {connection.Host}:{connection.Port}: {version?.Split(',')[0]}");
    }

    private static async Task<string?> Scalar(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (await command.ExecuteScalarAsync(cancellationToken))?.ToString();
    }

    private static DoctorCheck ClusterPort(ClusterSettings cluster)
    {
        const string name = "cluster port";
        if (cluster.Port == 0) return DoctorCheck.Pass(name, "port 0: a free port is chosen at start");
        try
        {
            var address = IPAddress.TryParse(cluster.Hostname, out var ip) ? ip : Dns.GetHostAddresses(cluster.Hostname).First();
            using var listener = new TcpListener(address, cluster.Port);
            listener.Start();
            return DoctorCheck.Pass(name, $"{cluster.Hostname}:{cluster.Port} is free");
        }
        catch (SocketException e)
        {
            return DoctorCheck.Fail(name, $"{cluster.Hostname}:{cluster.Port}: {e.Message}",
                "stop the process holding the port (`ss -ltnp`) or choose another with --set zone.cluster.port=N");
        }
    }
}
