using Zone.Actors.Ledger;

namespace Zone.Actors.Tests.Ledger;

public sealed class LedgerRecoveryTests
{
    private static readonly string[] Journal = ["ledger-0", "ledger-3", "settlement-1", "echo-9", "ledger-x"];

    [Fact]
    public void A_journal_within_the_configured_partition_counts_fits()
    {
        Assert.Null(LedgerRecovery.LayoutMismatch(Journal, ledgerPartitions: 4, settlementPartitions: 2));
        // More partitions than the journal shows cannot be told apart from partitions that have not written yet.
        Assert.Null(LedgerRecovery.LayoutMismatch(Journal, ledgerPartitions: 8, settlementPartitions: 8));
    }

    [Fact]
    public void A_journal_with_a_ledger_partition_beyond_the_count_is_named_with_the_setting_to_fix()
    {
        var mismatch = LedgerRecovery.LayoutMismatch(Journal, ledgerPartitions: 3, settlementPartitions: 2);
        Assert.NotNull(mismatch);
        Assert.Contains("ledger partition 3 (persistence id 'ledger-3')", mismatch, StringComparison.Ordinal);
        Assert.Contains("'zone.ledger.partitions' is 3", mismatch, StringComparison.Ordinal);
        Assert.Contains("at least 4 ledger partitions", mismatch, StringComparison.Ordinal);
    }

    [Fact]
    public void A_journal_with_a_settlement_partition_beyond_the_count_is_named_with_the_setting_to_fix()
    {
        var mismatch = LedgerRecovery.LayoutMismatch(Journal, ledgerPartitions: 4, settlementPartitions: 1);
        Assert.NotNull(mismatch);
        Assert.Contains("settlement partition 1 (persistence id 'settlement-1')", mismatch, StringComparison.Ordinal);
        Assert.Contains("'zone.settlement.partitions' is 1", mismatch, StringComparison.Ordinal);
    }
}
