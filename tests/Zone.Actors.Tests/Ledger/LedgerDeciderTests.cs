using System.Collections.Immutable;
using Zone.Actors.Ledger;
using Zone.Actors.Money;
using static Zone.Actors.Ledger.LedgerRejectionReason;

namespace Zone.Actors.Tests.Ledger;

public sealed class LedgerDeciderTests
{
    private static readonly LedgerRules Rules = new("treasury", UnstakeCooldownMillis: 1_000, DedupWindowEntries: 1_000);

    private static Opg Opg(long whole) => global::Zone.Actors.Money.Opg.FromWhole(whole);

    /// <summary>Decides and, if accepted, applies: what a partition does for one command.</summary>
    private static (LedgerState State, LedgerReply Reply, bool Written) Run(LedgerState state, ILedgerCommand command)
    {
        var decision = LedgerDecider.Decide(state, command, Rules);
        return decision.Entry is { } entry ? (state.Apply(entry, Rules), decision.Reply, true) : (state, decision.Reply, false);
    }

    private static LedgerState Funded(string account, long whole)
    {
        var state = Run(LedgerState.Empty, new Mint("treasury", "genesis", Opg(1_000_000))).State;
        if (account == "treasury") return state;
        // A transfer between partitions arrives as a credit from the transfer's clearing key.
        state = Run(state, new Transfer("treasury", $"fund-{account}", account, Opg(whole))).State;
        return Run(state, new Credit(account, ClearingKeys.Transfer("treasury", $"fund-{account}"), Opg(whole), ClearingKeys.Transfer("treasury", $"fund-{account}"))).State;
    }

    private static void Rejected(LedgerState state, ILedgerCommand command, LedgerRejectionReason reason)
    {
        var (after, reply, written) = Run(state, command);
        Assert.Equal(reason, reply.Rejection);
        Assert.False(written);
        Assert.Same(state, after);
        Assert.False(string.IsNullOrEmpty(reply.Detail));
    }

    [Fact]
    public void Mint_credits_only_the_treasury()
    {
        var (state, reply, _) = Run(LedgerState.Empty, new Mint("treasury", "g", Opg(5)));
        Assert.True(reply.Accepted);
        Assert.Equal(Opg(5), state.Find("treasury")!.Available);
        Assert.Equal(Opg(5), state.Minted);
        Rejected(state, new Mint("alice", "g2", Opg(5)), MintNotAllowed);
    }

    [Fact]
    public void Amounts_must_be_positive()
    {
        var state = Funded("alice", 10);
        Rejected(state, new Reserve("alice", "j", Opg(-1)), NegativeAmount);
        Rejected(state, new Reserve("alice", "j", global::Zone.Actors.Money.Opg.Zero), ZeroAmount);
        Rejected(state, new Transfer("alice", "t", "bob", Opg(-3)), NegativeAmount);
        Rejected(state, new Credit("alice", "c", global::Zone.Actors.Money.Opg.Zero, "k"), ZeroAmount);
        Rejected(state, new Stake("alice", "s", Opg(-1), 0), NegativeAmount);
        Rejected(state, new Mint("treasury", "m", global::Zone.Actors.Money.Opg.Zero), ZeroAmount);
    }

    [Fact]
    public void Unknown_accounts_and_references_are_rejected()
    {
        var state = Funded("alice", 10);
        Rejected(state, new Reserve("nobody", "j", Opg(1)), UnknownAccount);
        Rejected(state, new Transfer("nobody", "t", "alice", Opg(1)), UnknownAccount);
        Rejected(state, new Release("alice", "never-reserved"), UnknownReference);
        Rejected(state, new Capture("alice", "b1", "b1", ["never-reserved"]), UnknownReference);
        Rejected(state, new Reserve("alice", "", Opg(1)), InvalidCommand);
    }

    [Fact]
    public void Insufficient_funds_are_rejected()
    {
        var state = Funded("alice", 10);
        Rejected(state, new Reserve("alice", "j", Opg(11)), InsufficientFunds);
        Rejected(state, new Transfer("alice", "t", "bob", Opg(11)), InsufficientFunds);
        Rejected(state, new Stake("alice", "s", Opg(11), 0), InsufficientFunds);
        Rejected(state, new Unstake("alice", "u", Opg(1), 0), InsufficientFunds);
    }

    [Fact]
    public void Overflow_is_rejected_without_writing()
    {
        var state = Run(LedgerState.Empty, new Mint("treasury", "g", new Opg(long.MaxValue - 5))).State;
        Rejected(state, new Mint("treasury", "g2", new Opg(10)), Overflow);
        Rejected(state, new Credit("treasury", "c", new Opg(10), "k"), Overflow);
    }

    [Fact]
    public void Reserve_release_returns_the_money()
    {
        var state = Funded("alice", 10);
        (state, var reply, _) = Run(state, new Reserve("alice", "job-1", Opg(4)));
        Assert.True(reply.Accepted);
        Assert.Equal((Opg(6), Opg(4)), (state.Find("alice")!.Available, state.Find("alice")!.Reserved));
        (state, reply, _) = Run(state, new Release("alice", "job-1"));
        Assert.Equal(Opg(4), reply.Amount);
        Assert.Equal((Opg(10), global::Zone.Actors.Money.Opg.Zero), (state.Find("alice")!.Available, state.Find("alice")!.Reserved));
        // Released once: a capture of it now finds nothing.
        Rejected(state, new Capture("alice", "batch-1", "batch-1", ["job-1"]), UnknownReference);
    }

    [Fact]
    public void Capture_takes_all_named_reservations_or_none()
    {
        var state = Funded("alice", 10);
        state = Run(state, new Reserve("alice", "j1", Opg(2))).State;
        state = Run(state, new Reserve("alice", "j2", Opg(3))).State;
        Rejected(state, new Capture("alice", "b", "b", ["j1", "missing"]), UnknownReference);
        Rejected(state, new Capture("alice", "b", "b", ["j1", "j1"]), InvalidCommand);
        var (after, reply, _) = Run(state, new Capture("alice", "b", "b", ["j1", "j2"]));
        Assert.Equal(Opg(5), reply.Amount);
        Assert.Equal((Opg(5), global::Zone.Actors.Money.Opg.Zero), (after.Find("alice")!.Available, after.Find("alice")!.Reserved));
        Rejected(after, new Release("alice", "j1"), UnknownReference);
    }

    [Fact]
    public void A_repeat_returns_the_first_answer_and_writes_nothing()
    {
        var state = Funded("alice", 10);
        state = Run(state, new Reserve("alice", "j1", Opg(2))).State;
        var capture = new Capture("alice", "b", "b", ["j1"]);
        (state, var first, _) = Run(state, capture);
        var (again, repeat, written) = Run(state, capture with { Reservations = ["j1"] });
        Assert.False(written);
        Assert.Same(state, again);
        Assert.True(repeat.Duplicate);
        Assert.Equal(first.Amount, repeat.Amount);
    }

    [Fact]
    public void A_reused_reference_with_other_content_is_a_conflict()
    {
        var state = Funded("alice", 10);
        state = Run(state, new Transfer("alice", "t1", "bob", Opg(1))).State;
        Rejected(state, new Transfer("alice", "t1", "bob", Opg(2)), Conflict);
        Rejected(state, new Transfer("alice", "t1", "carol", Opg(1)), Conflict);
        state = Run(state, new Reserve("alice", "j1", Opg(1))).State;
        Rejected(state, new Reserve("alice", "j1", Opg(2)), Conflict);
    }

    [Fact]
    public void Transfer_puts_money_in_flight_until_credited()
    {
        var state = Funded("alice", 10);
        var inFlightBefore = state.InFlight;
        (state, _, _) = Run(state, new Transfer("alice", "t1", "bob", Opg(3)));
        var key = ClearingKeys.Transfer("alice", "t1");
        Assert.Equal(Opg(7), state.Find("alice")!.Available);
        Assert.Equal(new OutboxCredit(key, "bob", Opg(3)), state.Outbox[key]);
        Assert.Equal(inFlightBefore + Opg(3), state.InFlight);
        Rejected(state, new Transfer("alice", "t2", "alice", Opg(1)), InvalidCommand);
    }

    [Fact]
    public void Unstake_waits_for_the_cooldown_in_zone_time()
    {
        var state = Funded("prov", 10);
        state = Run(state, new Stake("prov", "s1", Opg(6), ZoneTimeMillis: 5_000)).State;
        Assert.Equal((Opg(4), Opg(6)), (state.Find("prov")!.Available, state.Find("prov")!.Staked));
        Rejected(state, new Unstake("prov", "u1", Opg(2), ZoneTimeMillis: 5_999), StakeLocked);
        var (after, reply, _) = Run(state, new Unstake("prov", "u1", Opg(2), ZoneTimeMillis: 6_000));
        Assert.True(reply.Accepted);
        Assert.Equal((Opg(6), Opg(4)), (after.Find("prov")!.Available, after.Find("prov")!.Staked));
    }

    [Fact]
    public void Slash_takes_a_fraction_pays_a_bounty_and_burns_or_keeps_the_rest()
    {
        var state = Funded("prov", 10);
        state = Run(state, new Stake("prov", "s1", new Opg(1_000_000_007), 0)).State;
        var (burned, reply, _) = Run(state, new Slash("prov", "fraud-1", 3_333, "verifier", 5_000, BurnRest: true));
        var (taken, kept) = new Opg(1_000_000_007).SplitBasisPoints(3_333);
        var (bounty, rest) = taken.SplitBasisPoints(5_000);
        Assert.Equal(taken, reply.Amount);
        Assert.Equal(kept, burned.Find("prov")!.Staked);
        Assert.Equal(bounty, burned.Outbox[ClearingKeys.SlashBounty("prov", "fraud-1")].Amount);
        Assert.Equal(rest, burned.Burned);
        var kept2 = Run(state, new Slash("prov", "fraud-1", 3_333, "verifier", 5_000, BurnRest: false)).State;
        Assert.Equal(rest, kept2.Outbox[ClearingKeys.SlashRest("prov", "fraud-1")].Amount);
        Assert.Equal("treasury", kept2.Outbox[ClearingKeys.SlashRest("prov", "fraud-1")].ToAccountId);
        Rejected(state, new Slash("prov", "f2", 0, "verifier", 5_000, true), InvalidFraction);
        Rejected(state, new Slash("prov", "f2", 10_001, "verifier", 5_000, true), InvalidFraction);
        Rejected(Funded("other", 1), new Slash("other", "f3", 1_000, "verifier", 5_000, true), InsufficientFunds);
    }

    [Fact]
    public void Burn_destroys_clearing_money_and_credit_creates_the_account()
    {
        var (state, reply, _) = Run(LedgerState.Empty, new Credit("new-account", "b1", Opg(2), "b1"));
        Assert.True(reply.Accepted);
        Assert.Equal(Opg(2), state.Find("new-account")!.Available);
        state = Run(state, new Burn("treasury", "b1", Opg(1), "b1")).State;
        Assert.Equal(Opg(1), state.Burned);
    }

    [Fact]
    public void The_dedup_window_is_bounded()
    {
        var rules = Rules with { DedupWindowEntries = 3 };
        var state = Run(LedgerState.Empty, new Mint("treasury", "g", Opg(100))).State;
        for (var i = 0; i < 10; i++)
            state = state.Apply(LedgerDecider.Decide(state, new Reserve("treasury", $"j{i}", Opg(1)), rules).Entry!, rules);
        Assert.InRange(state.DedupCount, 1, 3);
        // Open reservations still answer a repeated Reserve even after its reference left the window.
        Assert.True(LedgerDecider.Decide(state, new Reserve("treasury", "j0", Opg(1)), rules).Reply.Duplicate);
    }

    [Fact]
    public void Snapshot_round_trip_keeps_the_state()
    {
        var state = Funded("alice", 10);
        state = Run(state, new Reserve("alice", "j1", Opg(2))).State;
        state = Run(state, new Transfer("alice", "t1", "bob", Opg(1))).State;
        var restored = LedgerState.FromSnapshot(state.ToSnapshot());
        Assert.Equal(state.ToSnapshot().Accounts, restored.ToSnapshot().Accounts, new SnapshotComparer());
        Assert.Equal(state.Outbox.Values, restored.Outbox.Values);
        Assert.Equal(state.DedupCount, restored.DedupCount);
        Assert.True(LedgerDecider.Decide(restored, new Transfer("alice", "t1", "bob", Opg(1)), Rules).Reply.Duplicate);
    }

    private sealed class SnapshotComparer : IEqualityComparer<AccountSnapshot>
    {
        public bool Equals(AccountSnapshot? x, AccountSnapshot? y) =>
            x!.AccountId == y!.AccountId && x.Available == y.Available && x.Staked == y.Staked && x.Reservations.SequenceEqual(y.Reservations);

        public int GetHashCode(AccountSnapshot obj) => obj.AccountId.GetHashCode(StringComparison.Ordinal);
    }
}
