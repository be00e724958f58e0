using System.Collections.Immutable;
using System.Security.Cryptography;
using Zone.Actors.Audit;
using Zone.Actors.Ledger;
using Zone.Actors.Money;
using Zone.Actors.Settlement;

namespace Zone.Actors.Tests.Ledger;

/// <summary>The audit finds each kind of damage a journal could hold, and passes one that balances.</summary>
public sealed class LedgerAuditorTests
{
    private static readonly Opg Ten = Opg.FromWhole(10);

    private static LedgerEntriesWritten Write(params LedgerEntry[] entries) => new([.. entries], []);

    private static BatchSealed Batch(string id, Opg price)
    {
        var job = new SettlementJob("job-1", "alice", "prov", "", price, SHA256.HashData([1]), SHA256.HashData([2]));
        return new BatchSealed(id, 1, SettlementMode.Batch, [job], job.Leaf());
    }

    /// <summary>Genesis, a funded consumer, a reservation captured into batch b1 and paid out: a clean journal.</summary>
    private static List<(string Pid, object Event)> Healthy() =>
    [
        ("ledger-0", Write(new LedgerEntry(new Mint("treasury", "g", Ten), Ten), new LedgerEntry(new Transfer("treasury", "t", "alice", Ten), Ten))),
        ("ledger-1", Write(new LedgerEntry(new Credit("alice", ClearingKeys.Transfer("treasury", "t"), Ten, ClearingKeys.Transfer("treasury", "t")), Ten),
            new LedgerEntry(new Reserve("alice", "job-1", Opg.FromWhole(4)), Opg.FromWhole(4)))),
        ("settlement-0", new SettlementWritten([Batch("b1", Opg.FromWhole(4))], [])),
        ("ledger-1", Write(new LedgerEntry(new Capture("alice", "b1", "b1", ["job-1"]), Opg.FromWhole(4)))),
        ("ledger-2", Write(new LedgerEntry(new Credit("prov", "b1", Opg.FromWhole(3), "b1"), Opg.FromWhole(3)))),
        ("ledger-0", Write(new LedgerEntry(new Burn("treasury", "b1", Opg.FromWhole(1), "b1"), Opg.FromWhole(1)))),
        ("settlement-0", new SettlementWritten([], [new BatchSettled("b1", [], Opg.FromWhole(4), Opg.FromWhole(3), Opg.FromWhole(1))])),
    ];

    private static AuditReport Audit(IEnumerable<(string Pid, object Event)> events)
    {
        var auditor = new LedgerAuditor();
        var sequence = 0L;
        foreach (var (pid, e) in events) auditor.Observe(pid, ++sequence, e);
        return auditor.Finish();
    }

    [Fact]
    public void A_balanced_journal_is_clean()
    {
        var report = Audit(Healthy());
        Assert.True(report.Clean, string.Join('\n', report.Violations));
        Assert.Equal(Ten, report.Minted);
        Assert.Equal(Opg.FromWhole(1), report.Burned);
        Assert.Equal(Opg.Zero, report.InFlight);
    }

    [Fact]
    public void Money_in_flight_after_a_crash_still_balances()
    {
        var report = Audit(Healthy().Take(4));
        Assert.True(report.Clean, string.Join('\n', report.Violations));
        Assert.Equal(Opg.FromWhole(4), report.InFlight);
    }

    [Fact]
    public void A_reservation_captured_twice_is_a_violation()
    {
        var events = Healthy();
        events.Insert(4, ("ledger-1", Write(new LedgerEntry(new Capture("alice", "b1-again", "b1", ["job-1"]), Opg.FromWhole(4)))));
        Assert.Contains(Audit(events).Violations, v => v.Contains("captured twice", StringComparison.Ordinal));
    }

    [Fact]
    public void A_credit_paid_twice_is_a_violation()
    {
        var events = Healthy();
        events.Add(("ledger-2", Write(new LedgerEntry(new Credit("prov", "b1-dup", Opg.FromWhole(3), "b1"), Opg.FromWhole(3)))));
        var report = Audit(events);
        Assert.Contains(report.Violations, v => v.Contains("paid out more than was put in", StringComparison.Ordinal));
        Assert.Contains(report.Violations, v => v.StartsWith("conservation", StringComparison.Ordinal));
    }

    [Fact]
    public void A_root_that_does_not_match_its_leaves_is_a_violation()
    {
        var events = Healthy();
        var batch = ((SettlementWritten)events[2].Event).Sealed[0];
        events[2] = (events[2].Pid, new SettlementWritten([batch with { MerkleRoot = SHA256.HashData([9]) }], []));
        Assert.Contains(Audit(events).Violations, v => v.Contains("Merkle root", StringComparison.Ordinal));
    }

    [Fact]
    public void A_negative_balance_is_a_violation()
    {
        var events = Healthy();
        events.Add(("ledger-1", Write(new LedgerEntry(new Transfer("alice", "overdraft", "bob", Opg.FromWhole(50)), Opg.FromWhole(50)))));
        Assert.Contains(Audit(events).Violations, v => v.Contains("negative after Transfer", StringComparison.Ordinal));
    }

    [Fact]
    public void A_batch_settled_with_money_left_in_clearing_is_a_violation()
    {
        var events = Healthy();
        events.RemoveAt(4);
        events.RemoveAt(4);
        var report = Audit(events);
        Assert.Contains(report.Violations, v => v.Contains("settled with", StringComparison.Ordinal));
        Assert.Equal(Opg.FromWhole(4), report.InFlight);
    }

    [Fact]
    public void An_account_split_across_partitions_is_a_violation()
    {
        var events = Healthy();
        events.Add(("ledger-3", Write(new LedgerEntry(new Reserve("alice", "job-9", Opg.FromWhole(1)), Opg.FromWhole(1)))));
        Assert.Contains(Audit(events).Violations, v => v.Contains("appears in both", StringComparison.Ordinal));
    }
}
