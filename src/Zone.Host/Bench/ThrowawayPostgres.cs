using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Zone.Host.Bench;

/// <summary>
/// A throwaway PostgreSQL server from Debian's binaries: initdb into a temporary directory, pg_ctl on a free
/// loopback port with fsync on, removed on dispose. `zone bench ledger` measures on one, and the tests compile
/// this file too, so no test depends on a server someone left running.
/// initdb refuses to run as root, so as root the server runs as the 'postgres' user.
/// </summary>
public sealed class ThrowawayPostgres : IAsyncDisposable
{
    private readonly string _directory;
    private readonly string _binDirectory;

    private ThrowawayPostgres(string directory, string binDirectory, int port)
    {
        _directory = directory;
        _binDirectory = binDirectory;
        Port = port;
    }

    public int Port { get; }

    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Username=zone;Database=zone;Pooling=true;Maximum Pool Size=20";

    public static async Task<ThrowawayPostgres> StartAsync()
    {
        var bin = FindBinDirectory() ?? throw new InvalidOperationException(
            "PostgreSQL server binaries (initdb, pg_ctl) were not found under /usr/lib/postgresql/*/bin. " +
            "Install them with: apt-get install -y postgresql (the ./test script does this when run as root).");
        var directory = Path.Combine(Path.GetTempPath(), $"zone-pg-{Guid.NewGuid():N}");
        var data = Path.Combine(directory, "data");
        Directory.CreateDirectory(directory);
        var port = FreePort();
        var server = new ThrowawayPostgres(directory, bin, port);
        try
        {
            if (IsRoot) await Run("chown", $"postgres: {directory}");
            await server.RunPg("initdb", $"-D {data} -A trust -U zone --no-sync -E UTF8");
            await server.RunPg("pg_ctl", $"-D {data} -l {directory}/server.log -w -t 60 start " +
                                         $"-o \"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=on\"");
            await server.CreateDatabase();
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

    private async Task CreateDatabase()
    {
        await using var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={Port};Username=zone;Database=postgres");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("CREATE DATABASE zone", connection);
        await command.ExecuteNonQueryAsync();
    }

    private static bool IsRoot => Environment.UserName == "root";

    private Task RunPg(string tool, string arguments) =>
        IsRoot ? Run("runuser", $"-u postgres -- {Path.Combine(_binDirectory, tool)} {arguments}")
               : Run(Path.Combine(_binDirectory, tool), arguments);

    private static async Task Run(string file, string arguments)
    {
        var info = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {arguments} exited with {process.ExitCode}: {await stderr}{await stdout}");
    }

    /// <summary>Debian keeps the server binaries out of PATH, under /usr/lib/postgresql/VERSION/bin; null if none is installed.</summary>
    public static string? FindBinDirectory() =>
        Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).OrderDescending()
                .FirstOrDefault(d => File.Exists(Path.Combine(d, "initdb")))
            : null;

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
