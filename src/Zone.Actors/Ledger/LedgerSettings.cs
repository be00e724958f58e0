namespace Zone.Actors.Ledger;

/// <param name="Partitions">Fixed number of ledger partitions accounts are hashed to. Never change it on a zone with a journal.</param>
/// <param name="MaxCommandsPerWrite">Bound on commands decided into one journal write (one group commit).</param>
/// <param name="MaxQueuedCommands">Bound on commands waiting for the write in flight; beyond it commands are refused as Overloaded.</param>
/// <param name="SnapshotEveryCommands">A partition snapshots once this many commands (accepted commands and acknowledged credits)
/// have been journaled since its last snapshot. A snapshot holds the whole dedup window, so spacing them by commands rather
/// than by events (whose size follows the load) bounds a snapshot's cost per command; recovery replays at most this many.</param>
/// <param name="OutboxRetryInterval">Undelivered transfer and slash credits are re-sent this often.</param>
public sealed record LedgerSettings(
    int Partitions,
    LedgerRules Rules,
    int MaxCommandsPerWrite,
    int MaxQueuedCommands,
    int SnapshotEveryCommands,
    TimeSpan OutboxRetryInterval)
{
    public static LedgerSettings Default { get; } = new(4, LedgerRules.Default, 8_192, 262_144, 524_288, TimeSpan.FromSeconds(2));

    public void Validate()
    {
        if (Partitions <= 0 || MaxCommandsPerWrite <= 0 || MaxQueuedCommands < MaxCommandsPerWrite || SnapshotEveryCommands <= 0 ||
            OutboxRetryInterval <= TimeSpan.Zero || Rules.DedupWindowEntries <= 0 || Rules.UnstakeCooldownMillis < 0 || string.IsNullOrEmpty(Rules.TreasuryAccountId))
            throw new ArgumentException($"ledger bounds must be positive and the queue at least one write (got {this})");
    }
}
