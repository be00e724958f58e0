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
        Decide(state.ToBuilder(rules.DedupWindowEntries), command, rules);

    public static LedgerDecision Decide(LedgerState.Builder state, ILedgerCommand command, LedgerRules rules)
    {
        if (string.IsNullOrEmpty(command.AccountId) || string.IsNullOrEmpty(command.Reference))
            return Reject(command, InvalidCommand, "account and reference are required");
        if (state.TryRemembered(command, out var first))
            return first.Content == LedgerCommandContent.Fingerprint(command)
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
        var seen = c.Reservations.Length > 32 ? new HashSet<string>(StringComparer.Ordinal) : null;
        for (var i = 0; i < c.Reservations.Length; i++)
        {
            var reference = c.Reservations[i];
            if (seen is not null ? !seen.Add(reference) : NamedBefore(c.Reservations, i)) return Reject(c, InvalidCommand, $"reservation '{reference}' named twice");
            if (!account.Reservations.TryGetValue(reference, out var amount)) return Reject(c, UnknownReference, $"no open reservation '{reference}'");
            total += amount;
        }
        return AcceptEntry(c, total);
    }

    private static bool NamedBefore(ImmutableArray<string> references, int index)
    {
        for (var j = 0; j < index; j++)
            if (string.Equals(references[j], references[index], StringComparison.Ordinal)) return true;
        return false;
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

    /// <summary>
    /// Applies an accepted entry in place. Throws if the entry cannot follow this state: the journal is not one this
    /// ledger wrote (an entry decided on this state never throws here: <see cref="Decide"/> checked it).
    /// </summary>
    public static void Apply(LedgerState.Builder s, LedgerEntry entry, LedgerRules rules)
    {
        ApplyBalances(s, entry, rules);
        s.Remember(entry);
    }

    /// <summary>
    /// <see cref="Apply"/> for an entry <see cref="Decide"/> has just accepted on this same state: its reference was
    /// looked up there and found absent, so it is remembered without looking again (two window lookups per command).
    /// </summary>
    public static void ApplyDecided(LedgerState.Builder s, LedgerEntry entry, LedgerRules rules)
    {
        ApplyBalances(s, entry, rules);
        s.RememberAbsent(entry);
    }

    private static void ApplyBalances(LedgerState.Builder s, LedgerEntry entry, LedgerRules rules)
    {
        var amount = entry.Amount;
        switch (entry.Command)
        {
            case Mint c:
            {
                var a = Open(s, c.AccountId);
                Set(c.AccountId, a, a.Available + amount, a.Reserved, a.Staked);
                s.Minted += amount;
                break;
            }
            case Transfer c:
            {
                var a = Existing(s, c.AccountId);
                Set(c.AccountId, a, a.Available - amount, a.Reserved, a.Staked);
                AddOutbox(s, new OutboxCredit(ClearingKeys.Transfer(c.AccountId, c.Reference), c.ToAccountId, amount));
                break;
            }
            case Reserve c:
            {
                var a = Existing(s, c.AccountId);
                if (a.Reservations.ContainsKey(c.Reference)) throw new InvalidOperationException($"reservation '{c.Reference}' is already open");
                Set(c.AccountId, a, a.Available - amount, a.Reserved + amount, a.Staked);
                a.Reservations.Add(c.Reference, amount);
                break;
            }
            case Release c:
            {
                var a = Existing(s, c.AccountId);
                if (!a.Reservations.TryGetValue(c.Reference, out var open)) throw new InvalidOperationException($"reservation '{c.Reference}' is not open");
                if (open != amount) throw new InvalidOperationException($"reservation sums to {open}, the entry says {amount}");
                Set(c.AccountId, a, a.Available + amount, a.Reserved - amount, a.Staked);
                a.Reservations.Remove(c.Reference);
                break;
            }
            case Capture c: TakeReservations(c.AccountId, Existing(s, c.AccountId), c.Reservations, amount); break;
            case Credit c:
            {
                var a = Open(s, c.AccountId);
                Set(c.AccountId, a, a.Available + amount, a.Reserved, a.Staked);
                break;
            }
            case Burn: s.Burned += amount; break;
            case Stake c:
            {
                var a = Existing(s, c.AccountId);
                Set(c.AccountId, a, a.Available - amount, a.Reserved, a.Staked + amount);
                a.StakeUnlocksAtMillis = c.ZoneTimeMillis + rules.UnstakeCooldownMillis;
                break;
            }
            case Unstake c:
            {
                var a = Existing(s, c.AccountId);
                Set(c.AccountId, a, a.Available + amount, a.Reserved, a.Staked - amount);
                break;
            }
            case Slash c: ApplySlash(s, c, amount, rules); break;
            default: throw new InvalidOperationException($"unknown ledger command {entry.Command.GetType().Name}");
        }
    }

    private static void ApplySlash(LedgerState.Builder s, Slash c, Opg taken, LedgerRules rules)
    {
        var a = Existing(s, c.AccountId);
        Set(c.AccountId, a, a.Available, a.Reserved, a.Staked - taken);
        var (bounty, rest) = SlashSplit.Divide(taken, c.BountyBps);
        if (bounty.IsPositive) AddOutbox(s, new OutboxCredit(ClearingKeys.SlashBounty(c.AccountId, c.Reference), c.BeneficiaryId, bounty));
        if (!rest.IsPositive) return;
        if (c.BurnRest) s.Burned += rest;
        else AddOutbox(s, new OutboxCredit(ClearingKeys.SlashRest(c.AccountId, c.Reference), rules.TreasuryAccountId, rest));
    }

    /// <summary>Removes the named reservations (all or nothing: every one is checked before any is removed).</summary>
    private static void TakeReservations(string accountId, LedgerAccount a, ImmutableArray<string> references, Opg expectedTotal)
    {
        var total = Opg.Zero;
        foreach (var reference in references)
        {
            if (!a.Reservations.TryGetValue(reference, out var amount))
                throw new InvalidOperationException($"reservation '{reference}' is not open");
            total += amount;
        }
        if (total != expectedTotal) throw new InvalidOperationException($"reservations sum to {total}, the entry says {expectedTotal}");
        Set(accountId, a, a.Available, a.Reserved - total, a.Staked);
        foreach (var reference in references)
            if (!a.Reservations.Remove(reference)) throw new InvalidOperationException($"reservation '{reference}' named twice");
    }

    /// <summary>An account that must exist already (money leaves it).</summary>
    private static LedgerAccount Existing(LedgerState.Builder s, string accountId) =>
        s.Find(accountId) ?? throw new InvalidOperationException($"account '{accountId}' has never received money");

    /// <summary>An account that money enters: it exists from now on.</summary>
    private static LedgerAccount Open(LedgerState.Builder s, string accountId)
    {
        if (s.Find(accountId) is { } a) return a;
        a = new LedgerAccount();
        s.Accounts.Add(accountId, a);
        return a;
    }

    private static void Set(string accountId, LedgerAccount a, Opg available, Opg reserved, Opg staked)
    {
        if (available.IsNegative || reserved.IsNegative || staked.IsNegative)
            throw new InvalidOperationException($"account '{accountId}' would go negative: {available} available, {reserved} reserved, {staked} staked");
        a.Available = available;
        a.Reserved = reserved;
        a.Staked = staked;
    }

    private static void AddOutbox(LedgerState.Builder s, OutboxCredit credit)
    {
        if (!s.Outbox.TryAdd(credit.ClearingKey, credit)) throw new InvalidOperationException($"clearing key '{credit.ClearingKey}' used twice");
        s.AddedCredits.Add(credit);
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
