using Zone.Actors.Persistence;

namespace Zone.Actors.Hosting;

/// <summary>
/// Journal and snapshot-store HOCON for each provider. Written out in full (no ${...} substitutions of the
/// plugin defaults) because Akka.Persistence.Sql's defaults are only a runtime fallback.
/// </summary>
public static class PersistenceHocon
{
    public const string JournalPluginId = "akka.persistence.journal.sql";
    public const string SnapshotPluginId = "akka.persistence.snapshot-store.sql";
    public const string QueryPluginId = "akka.persistence.query.journal.sql";

    public static string For(PersistenceSettings settings) => settings.Provider switch
    {
        // Zone's own memory plugins store events and snapshots serialized, as the SQL ones do (see SerializedMemoryJournal).
        PersistenceProvider.Memory => MemoryPersistence.Hocon,
        PersistenceProvider.Sqlite => Sql("SQLite.MS", settings.ConnectionString),
        PersistenceProvider.Postgres => Sql("PostgreSQL.15", settings.ConnectionString),
        _ => throw new ArgumentOutOfRangeException(nameof(settings), settings.Provider, "unknown persistence provider"),
    };

    private static string Sql(string providerName, string connectionString)
    {
        var quoted = Quote(connectionString);
        return $$"""
            akka.persistence {
              journal {
                plugin = "{{JournalPluginId}}"
                sql {
                  class = "Akka.Persistence.Sql.Journal.SqlWriteJournal, Akka.Persistence.Sql"
                  provider-name = "{{providerName}}"
                  connection-string = {{quoted}}
                  auto-initialize = on
                  # The journal's write stream makes the database calls, which Microsoft.Data.Sqlite runs synchronously,
                  # fsync included. On a thread of its own the stream neither waits in the shared pool's queue behind busy
                  # actors nor holds one of its threads (measured: SQLite jobs/s +5-10 % in the ledger bench).
                  materializer-dispatcher = "{{JournalPluginId}}.write-stream-dispatcher"
                  write-stream-dispatcher {
                    type = PinnedDispatcher
                    executor = "fork-join-executor"
                  }
                }
              }
              snapshot-store {
                plugin = "{{SnapshotPluginId}}"
                sql {
                  class = "Akka.Persistence.Sql.Snapshot.SqlSnapshotStore, Akka.Persistence.Sql"
                  provider-name = "{{providerName}}"
                  connection-string = {{quoted}}
                  auto-initialize = on
                }
              }
              query.journal.sql {
                class = "Akka.Persistence.Sql.Query.SqlReadJournalProvider, Akka.Persistence.Sql"
                provider-name = "{{providerName}}"
                connection-string = {{quoted}}
                auto-initialize = on
              }
            }
            """;
    }

    /// <summary>HOCON string literal: connection strings hold '=' and ';', which unquoted HOCON would misread.</summary>
    public static string Quote(string value) =>
        "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
