namespace Zone.Actors.Hosting;

public enum PersistenceProvider
{
    /// <summary>Akka's in-memory journal: tests and fast simulation; nothing survives the process.</summary>
    Memory,
    /// <summary>Akka.Persistence.Sql on a SQLite file (WAL): the embedded default.</summary>
    Sqlite,
    /// <summary>Akka.Persistence.Sql on PostgreSQL 15: clusters.</summary>
    Postgres,
}

/// <param name="ConnectionString">For SQLite, built from the data directory; for PostgreSQL, from configuration or environment.</param>
public sealed record PersistenceSettings(PersistenceProvider Provider, string ConnectionString)
{
    public static PersistenceSettings InMemory { get; } = new(PersistenceProvider.Memory, "");

    public static PersistenceSettings SqliteFile(string path) => new(PersistenceProvider.Sqlite, $"Data Source={path};Pooling=True");

    public static PersistenceSettings Postgres(string connectionString) => new(PersistenceProvider.Postgres, connectionString);
}

/// <param name="Port">0 picks a free port (tests, benchmarks).</param>
/// <param name="SeedNodes">Empty: the node joins itself and forms a single-node cluster.</param>
public sealed record ClusterSettings(string Hostname, int Port, IReadOnlyList<string> SeedNodes, IReadOnlyList<string> Roles, int NumberOfShards)
{
    public static readonly IReadOnlyList<string> AllRoles = ["ledger", "market", "inference", "gateway"];

    /// <summary>A single node on a free loopback port holding every role: what tests and benchmarks use.</summary>
    public static ClusterSettings LocalSingleNode { get; } = new("127.0.0.1", 0, [], AllRoles, 100);
}

public sealed record ZoneSettings(string SystemName, PersistenceSettings Persistence, ClusterSettings Cluster)
{
    public static ZoneSettings ForTests(PersistenceSettings? persistence = null) =>
        new("zone", persistence ?? PersistenceSettings.InMemory, ClusterSettings.LocalSingleNode);
}
