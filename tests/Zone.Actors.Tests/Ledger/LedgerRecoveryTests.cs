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

    [Theory]
    [InlineData(3, 2, "ledger partition 3 (persistence id 'ledger-3')", "'zone.ledger.partitions' is 3", "at least 4 ledger partitions")]
    [InlineData(4, 1, "settlement partition 1 (persistence id 'settlement-1')", "'zone.settlement.partitions' is 1", "at least 2 settlement partitions")]
    public void A_journal_with_a_partition_beyond_the_count_is_named_with_the_setting_to_fix(
        int ledgerPartitions, int settlementPartitions, string partition, string setting, string written)
    {
        var mismatch = LedgerRecovery.LayoutMismatch(Journal, ledgerPartitions, settlementPartitions);
        Assert.NotNull(mismatch);
        Assert.Contains(partition, mismatch, StringComparison.Ordinal);
        Assert.Contains(setting, mismatch, StringComparison.Ordinal);
        Assert.Contains(written, mismatch, StringComparison.Ordinal);
    }
}
