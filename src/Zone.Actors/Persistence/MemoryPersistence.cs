namespace Zone.Actors.Persistence;

/// <summary>The memory provider's plugins (<see cref="SerializedMemoryJournal"/>, <see cref="SerializedMemorySnapshotStore"/>) as HOCON.</summary>
public static class MemoryPersistence
{
    public const string JournalPluginId = "akka.persistence.journal.zone-memory";
    public const string SnapshotPluginId = "akka.persistence.snapshot-store.zone-memory";

    public static readonly string Hocon = $$"""
        akka.persistence {
          journal.plugin = "{{JournalPluginId}}"
          snapshot-store.plugin = "{{SnapshotPluginId}}"
        }
        {{Plugin(JournalPluginId, typeof(SerializedMemoryJournal))}}
        {{Plugin(SnapshotPluginId, typeof(SerializedMemorySnapshotStore))}}
        """;

    private static string Plugin(string id, Type type) => $$"""
        {{id}} {
          class = "{{type.AssemblyQualifiedName}}"
          plugin-dispatcher = "akka.actor.default-dispatcher"
        }
        """;
}
