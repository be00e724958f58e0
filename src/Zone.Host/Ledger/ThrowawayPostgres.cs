using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Zone.Host.Ledger;

/// <summary>
/// A PostgreSQL 15 server for one bench run: initdb in a temporary directory, started on a free loopback port with
/// fsync on, removed on dispose. initdb refuses root, so as root it runs as the 'postgres' user.
/// </summary>
public sealed class ThrowawayPostgres : IAsyncDisposable
{
    private readonly string _directory;
    private readonly string _bin;

    private ThrowawayPostgres(string directory, string bin, int port)
    {
        _directory = directory;
        _bin = bin;
        Port = port;
    }

    public int Port { get; }

    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Username=zone;Database=zone;Pooling=true;Maximum Pool Size=20";

    /// <summary>Debian keeps the server binaries under /usr/lib/postgresql/VERSION/bin; null if none is installed.</summary>
    public static string? FindBinDirectory() =>
        Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).OrderDescending().FirstOrDefault(d => File.Exists(Path.Combine(d, "initdb")))
            : null;

    public static async Task<ThrowawayPostgres> StartAsync(string bin)
    {
        var directory = Path.Combine(Path.GetTempPath(), $"zone-bench-pg-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        var server = new ThrowawayPostgres(directory, bin, FreePort());
        try
        {
            if (IsRoot) await Run("chown", $"postgres: {directory}");
            var data = Path.Combine(directory, "data");
            await server.RunPg("initdb", $"-D {data} -A trust -U zone --no-sync -E UTF8");
            await server.RunPg("pg_ctl", $"-D {data} -l {directory}/server.log -w -t 60 start -o \"-p {server.Port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=on\"");
            await using var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={server.Port};Username=zone;Database=postgres");
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand("CREATE DATABASE zone", connection);
            await create.ExecuteNonQueryAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        var data = Path.Combine(_directory, "data");
        if (Directory.Exists(data))
        {
            try { await RunPg("pg_ctl", $"-D {data} -m immediate -w stop"); }
            catch (InvalidOperationException) { /* not running: nothing to stop */ }
        }
        try { Directory.Delete(_directory, recursive: true); }
        catch (IOException) { /* a leftover temp directory is harmless */ }
    }

    private static bool IsRoot => Environment.UserName == "root";

    private Task RunPg(string tool, string arguments) =>
        IsRoot ? Run("runuser", $"-u postgres -- {Path.Combine(_bin, tool)} {arguments}") : Run(Path.Combine(_bin, tool), arguments);

    private static async Task Run(string file, string arguments)
    {
        var info = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{file} {arguments} exited with {process.ExitCode}: {await stderr}{await stdout}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
