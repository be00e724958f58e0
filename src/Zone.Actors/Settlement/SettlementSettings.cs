using Zone.Actors.Money;

namespace Zone.Actors.Settlement;

/// <param name="BatchMaxJobs">A batch seals when it holds this many jobs (OpenGradient's facilitator: 20).</param>
/// <param name="BatchMaxWait">... or when its first job has waited this long (OpenGradient: 60 s). Runtime mode: wall clock.</param>
/// <param name="MaxUnsettledBatches">Bound on sealed batches whose legs are still moving; beyond it new jobs are refused (callers retry).</param>
/// <param name="LegRetryInterval">Unacknowledged legs are re-sent this often (they are idempotent).</param>
/// <param name="SettledWindowJobs">Settled job ids a partition remembers (all its providers together) so a re-sent job gets its first answer; oldest forgotten first.</param>
/// <param name="SnapshotEveryJobs">A partition snapshots once batches holding this many jobs have been journaled since its last
/// snapshot (a snapshot holds the settled window, so it is spaced by jobs, not by events whose size follows the load).</param>
/// <param name="Partitions">Fixed number of settlement partitions providers are hashed to. Never change it on a zone with a journal.</param>
/// <param name="LedgerPartitions">Must equal the ledger's partition count: legs are routed by it.</param>
public sealed record SettlementSettings(
    SettlementMode DefaultMode,
    int BatchMaxJobs,
    TimeSpan BatchMaxWait,
    SettlementFees Fees,
    SlashPolicy Slashing,
    string TreasuryAccountId,
    int MaxUnsettledBatches,
    TimeSpan LegRetryInterval,
    int SettledWindowJobs,
    int SnapshotEveryJobs,
    int Partitions,
    int LedgerPartitions)
{
    public static SettlementSettings Default { get; } = new(
        SettlementMode.Batch, 20, TimeSpan.FromSeconds(60), SettlementFees.Default, SlashPolicy.Default, "treasury",
        MaxUnsettledBatches: 100_000, LegRetryInterval: TimeSpan.FromSeconds(2), SettledWindowJobs: 262_144, SnapshotEveryJobs: 524_288, Partitions: 4, LedgerPartitions: 4);

    public SettlementMode ModeFor(SettlementMode requested) => requested == SettlementMode.ZoneDefault ? DefaultMode : requested;

    public void Validate()
    {
        if (DefaultMode == SettlementMode.ZoneDefault) throw new ArgumentException("the zone's default settlement mode must be private, individual or batch");
        if (BatchMaxJobs <= 0 || BatchMaxWait <= TimeSpan.Zero || MaxUnsettledBatches <= 0 || LegRetryInterval <= TimeSpan.Zero || SettledWindowJobs <= 0 || SnapshotEveryJobs <= 0 || Partitions <= 0 || LedgerPartitions <= 0)
            throw new ArgumentException($"settlement bounds must be positive (got {this})");
        Fees.Validate();
        Slashing.Validate();
    }
}
