using Microsoft.Data.Sqlite;

namespace Zone.Actors.Ledger;

/// <summary>
/// journal_mode=WAL is a property of the database file: set it once, before the journal opens its connections,
/// and every later connection uses it. (synchronous is per connection; the bundled e_sqlite3 defaults to FULL.)
/// </summary>
public static class SqliteJournalFile
{
    public static void EnableWal(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode=WAL;";
        var mode = command.ExecuteScalar() as string;
        if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException($"SQLite refused WAL mode for {path} (journal_mode is '{mode}')");
    }

    /// <summary>What a fresh connection to <paramref name="path"/> uses: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA.</summary>
    public static long SynchronousLevel(string path)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA synchronous;";
        return (long)command.ExecuteScalar()!;
    }
}
