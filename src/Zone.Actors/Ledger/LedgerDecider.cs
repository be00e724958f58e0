using System.Collections.Immutable;
using Zone.Actors.Money;
using static Zone.Actors.Ledger.LedgerRejectionReason;

namespace Zone.Actors.Ledger;

/// <summary>The outcome of deciding one command: an entry to write (accepted) or an answer that writes nothing.</summary>
public readonly record struct LedgerDecision(LedgerEntry? Entry, LedgerReply Reply);

/// <summary>
/// Pure rules of the ledger. <see cref="Decide"/> never changes state; <see cref="Apply"/> is the only place balances
/// change, used alike when a write completes and when a partition recovers, so both reach the same state.
/// </summary>
public static class LedgerDecider
{
    public static LedgerDecision Decide(LedgerState state, ILedgerCommand command, LedgerRules rules) =>
        Decide(state.ToBuilder(), command, rules);

    public static LedgerDecision Decide(LedgerState.Builder state, ILedgerCommand command, LedgerRules rules)
    {
        if (string.IsNullOrEmpty(command.AccountId) || string.IsNullOrEmpty(command.Reference))
            return Reject(command, InvalidCommand, "account and reference are required");
        if (state.TryRemembered(DedupKey.Of(command), out var first))
            return first.Command.Equals(command)
                ? new LedgerDecision(null, LedgerReply.Accept(command, first.Amount, duplicate: true))
                : Reject(command, Conflict, $"reference '{command.Reference}' was used for different content");
        try
        {
            return command switch
            {
                Mint c => DecideMint(state, c, rules),
                Transfer c => DecideTransfer(state, c),
                Reserve c => DecideReserve(state, c),
                Release c => DecideRelease(state, c),
                Capture c => DecideCapture(state, c),
                Credit c => DecideCredit(state, c),
                Burn c => DecideBurn(state, c),
                Stake c => DecideStake(state, c),
                Unstake c => DecideUnstake(state, c),
                Slash c => DecideSlash(state, c),
                _ => Reject(command, InvalidCommand, $"unknown command {command.GetType().Name}"),
            };
        }
        catch (OverflowException)
        {
            return Reject(command, Overflow, "the result would exceed the range of a 64-bit nano-OPG amount");
        }
    }

    private static LedgerDecision DecideMint(LedgerState.Builder s, Mint c, LedgerRules rules)
    {
        if (c.AccountId != rules.TreasuryAccountId) return Reject(c, MintNotAllowed, $"only '{rules.TreasuryAccountId}' may receive minted money");
        if (Invalid(c, c.Amount) is { } bad) return bad;
        _ = (s.Find(c.AccountId)?.Total ?? Opg.Zero) + c.Amount + s.Minted;
        return AcceptEntry(c, c.Amount);
    }

    private static LedgerDecision DecideTransfer(LedgerState.Builder s, Transfer c)
    {
        if (Invalid(c, c.Amount) is { } bad) return bad;
        if (string.IsNullOrEmpty(c.ToAccountId) || c.ToAccountId == c.AccountId) return Reject(c, InvalidCommand, "a transfer needs another destination account");
        if (s.Find(c.AccountId) is not { } account) return UnknownAccountOf(c);
        return account.Available < c.Amount ? Insufficient(c, "available", account.Available, c.Amount) : AcceptEntry(c, c.Amount);
    }

    private static LedgerDecision DecideReserve(LedgerState.Builder s, Reserve c)
    {
        if (Invalid(c, c.Amount) is { } bad) return bad;
        if (s.Find(c.AccountId) is not { } account) return UnknownAccountOf(c);
        if (account.Reservations.TryGetValue(c.Reference, out var open))
            return open == c.Amount ? new LedgerDecision(null, LedgerReply.Accept(c, open, duplicate: true)) : Reject(c, Conflict, "reservation already open with another amount");
        _ = account.Reserved + c.Amount;
        return account.Available < c.Amount ? Insufficient(c, "available", account.Available, c.Amount) : AcceptEntry(c, c.Amount);
    }

    private static LedgerDecision DecideRelease(LedgerState.Builder s, Release c)
    {
        if (s.Find(c.AccountId) is not { } account) return UnknownAccountOf(c);
        return account.Reservations.TryGetValue(c.Reference, out var amount)
            ? AcceptEntry(c, amount)
            : Reject(c, UnknownReference, $"no open reservation '{c.Reference}'");
    }

    private static LedgerDecision DecideCapture(LedgerState.Builder s, Capture c)
    {
        if (string.IsNullOrEmpty(c.ClearingKey) || c.Reservations.IsDefaultOrEmpty) return Reject(c, InvalidCommand, "a capture needs a clearing key and reservations");
        if (s.Find(c.AccountId) is not { } account) return UnknownAccountOf(c);
        var total = Opg.Zero;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var reference in c.Reservations)
        {
            if (!seen.Add(reference)) return Reject(c, InvalidCommand, $"reservation '{reference}' named twice");
            if (!account.Reservations.TryGetValue(reference, out var amount)) return Reject(c, UnknownReference, $"no open reservation '{reference}'");
            total += amount;
        }
        return AcceptEntry(c, total);
    }

    private static LedgerDecision DecideCredit(LedgerState.Builder s, Credit c)
    {
        if (Invalid(c, c.Amount) is { } bad) return bad;
        if (string.IsNullOrEmpty(c.ClearingKey)) return Reject(c, InvalidCommand, "a credit needs the clearing key it is paid from");
        _ = (s.Find(c.AccountId)?.Total ?? Opg.Zero) + c.Amount;
        return AcceptEntry(c, c.Amount);
    }

    private static LedgerDecision DecideBurn(LedgerState.Builder s, Burn c)
    {
        if (Invalid(c, c.Amount) is { } bad) return bad;
        if (string.IsNullOrEmpty(c.ClearingKey)) return Reject(c, InvalidCommand, "a burn needs the clearing key it is paid from");
        _ = s.Burned + c.Amount;
        return AcceptEntry(c, c.Amount);
    }

    private static LedgerDecision DecideStake(LedgerState.Builder s, Stake c)
    {
        if (Invalid(c, c.Amount) is { } bad) return bad;
        if (s.Find(c.AccountId) is not { } account) return UnknownAccountOf(c);
        _ = account.Staked + c.Amount;
        return account.Available < c.Amount ? Insufficient(c, "available", account.Available, c.Amount) : AcceptEntry(c, c.Amount);
    }

    private static LedgerDecision DecideUnstake(LedgerState.Builder s, Unstake c)
    {
        if (Invalid(c, c.Amount) is { } bad) return bad;
        if (s.Find(c.AccountId) is not { } account) return UnknownAccountOf(c);
        if (account.Staked < c.Amount) return Insufficient(c, "staked", account.Staked, c.Amount);
        return c.ZoneTimeMillis < account.StakeUnlocksAtMillis
            ? Reject(c, StakeLocked, $"stake is locked until zone time {account.StakeUnlocksAtMillis} ms (now {c.ZoneTimeMillis} ms)")
            : AcceptEntry(c, c.Amount);
    }

    private static LedgerDecision DecideSlash(LedgerState.Builder s, Slash c)
    {
        if (c.FractionBps is <= 0 or > Opg.BasisPointsPerWhole || c.BountyBps is < 0 or > Opg.BasisPointsPerWhole)
            return Reject(c, InvalidFraction, $"fraction {c.FractionBps} bps and bounty {c.BountyBps} bps must be within 1..10000 and 0..10000");
        if (string.IsNullOrEmpty(c.BeneficiaryId)) return Reject(c, InvalidCommand, "a slash needs a beneficiary");
        if (s.Find(c.AccountId) is not { } account) return UnknownAccountOf(c);
        var (taken, _) = SlashSplit.Take(account.Staked, c.FractionBps);
        return taken.IsPositive ? AcceptEntry(c, taken) : Insufficient(c, "staked", account.Staked, new Opg(1));
    }

    /// <summary>Applies an accepted entry. Throws if the entry cannot follow this state: the journal is not one this ledger wrote.</summary>
    public static void Apply(LedgerState.Builder s, LedgerEntry entry, LedgerRules rules)
    {
        var amount = entry.Amount;
        switch (entry.Command)
        {
            case Mint c: Change(s, c.AccountId, a => a with { Available = a.Available + amount }); s.Minted += amount; break;
            case Transfer c:
                Change(s, c.AccountId, a => a with { Available = a.Available - amount });
                AddOutbox(s, new OutboxCredit(ClearingKeys.Transfer(c.AccountId, c.Reference), c.ToAccountId, amount));
                break;
            case Reserve c:
                Change(s, c.AccountId, a => a with { Available = a.Available - amount, Reserved = a.Reserved + amount, Reservations = a.Reservations.Add(c.Reference, amount) });
                break;
            case Release c: Change(s, c.AccountId, a => TakeReservations(a, [c.Reference], amount) with { Available = a.Available + amount }); break;
            case Capture c: Change(s, c.AccountId, a => TakeReservations(a, c.Reservations, amount)); break;
            case Credit c: Change(s, c.AccountId, a => a with { Available = a.Available + amount }); break;
            case Burn: s.Burned += amount; break;
            case Stake c:
                Change(s, c.AccountId, a => a with { Available = a.Available - amount, Staked = a.Staked + amount, StakeUnlocksAtMillis = c.ZoneTimeMillis + rules.UnstakeCooldownMillis });
                break;
            case Unstake c: Change(s, c.AccountId, a => a with { Available = a.Available + amount, Staked = a.Staked - amount }); break;
            case Slash c: ApplySlash(s, c, amount, rules); break;
            default: throw new InvalidOperationException($"unknown ledger command {entry.Command.GetType().Name}");
        }
        s.Remember(entry, rules.DedupWindowEntries);
    }

    private static void ApplySlash(LedgerState.Builder s, Slash c, Opg taken, LedgerRules rules)
    {
        Change(s, c.AccountId, a => a with { Staked = a.Staked - taken });
        var (bounty, rest) = SlashSplit.Divide(taken, c.BountyBps);
        if (bounty.IsPositive) AddOutbox(s, new OutboxCredit(ClearingKeys.SlashBounty(c.AccountId, c.Reference), c.BeneficiaryId, bounty));
        if (!rest.IsPositive) return;
        if (c.BurnRest) s.Burned += rest;
        else AddOutbox(s, new OutboxCredit(ClearingKeys.SlashRest(c.AccountId, c.Reference), rules.TreasuryAccountId, rest));
    }

    private static AccountState TakeReservations(AccountState a, IEnumerable<string> references, Opg expectedTotal)
    {
        var reservations = a.Reservations;
        var total = Opg.Zero;
        foreach (var reference in references)
        {
            if (!reservations.TryGetValue(reference, out var amount))
                throw new InvalidOperationException($"reservation '{reference}' is not open");
            total += amount;
            reservations = reservations.Remove(reference);
        }
        if (total != expectedTotal) throw new InvalidOperationException($"reservations sum to {total}, the entry says {expectedTotal}");
        return a with { Reserved = a.Reserved - total, Reservations = reservations };
    }

    private static void Change(LedgerState.Builder s, string accountId, Func<AccountState, AccountState> change)
    {
        var next = change(s.Find(accountId) ?? AccountState.Empty);
        if (next.Available.IsNegative || next.Reserved.IsNegative || next.Staked.IsNegative)
            throw new InvalidOperationException($"account '{accountId}' would go negative: {next.Available} available, {next.Reserved} reserved, {next.Staked} staked");
        s.Accounts[accountId] = next;
    }

    private static void AddOutbox(LedgerState.Builder s, OutboxCredit credit)
    {
        if (!s.Outbox.TryAdd(credit.ClearingKey, credit)) throw new InvalidOperationException($"clearing key '{credit.ClearingKey}' used twice");
    }

    private static LedgerDecision? Invalid(ILedgerCommand c, Opg amount) =>
        amount.IsNegative ? Reject(c, NegativeAmount, $"amount {amount} is negative")
        : amount == Opg.Zero ? Reject(c, ZeroAmount, "amount must be positive")
        : null;

    private static LedgerDecision AcceptEntry(ILedgerCommand c, Opg amount) => new(new LedgerEntry(c, amount), LedgerReply.Accept(c, amount, duplicate: false));

    private static LedgerDecision Reject(ILedgerCommand c, LedgerRejectionReason reason, string detail) => new(null, LedgerReply.Reject(c, reason, detail));

    private static LedgerDecision UnknownAccountOf(ILedgerCommand c) => Reject(c, UnknownAccount, $"account '{c.AccountId}' has never received money");

    private static LedgerDecision Insufficient(ILedgerCommand c, string balance, Opg have, Opg need) =>
        Reject(c, InsufficientFunds, $"{balance} {have} < {need}");
}
