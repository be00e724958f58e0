using System.Collections.Immutable;
using Zone.Actors.Ledger;
using Zone.Actors.Money;
using Zone.Actors.Settlement;

namespace Zone.Actors.Audit;

/// <summary>What the audit found. <see cref="Violations"/> empty means the journal balances exactly.</summary>
public sealed record AuditReport(
    Opg Minted, Opg Burned, Opg Available, Opg Reserved, Opg Staked, Opg InFlight,
    int Accounts, int LedgerEvents, int LedgerEntries, int Batches, int SettledBatches, int OpenClearingKeys,
    ImmutableArray<string> Violations,
    ImmutableSortedDictionary<string, AccountTotals> Balances)
{
    public bool Clean => Violations.IsEmpty;
}

public sealed record AccountTotals(Opg Available, Opg Reserved, Opg Staked);

/// <summary>
/// Recomputes the ledger from journal events alone, with its own arithmetic (not the entities' Apply), so a bug in
/// the ledger's rules cannot hide itself. Fed one persistence id at a time in sequence order; accounts live in one
/// partition, so per-account checks hold at every event, while clearing keys (which span partitions and settlement
/// entities) are checked once everything has been read.
/// </summary>
public sealed class LedgerAuditor
{
    /// <summary>Bound on violations listed; the count of the rest is reported.</summary>
    public const int MaxViolationsListed = 100;

    private sealed class Account
    {
        public long Available, Reserved, Staked;
        public string PersistenceId = "";
    }

    private readonly Dictionary<string, Account> _accounts = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Account, string Reference), long> _openReservations = new();
    private readonly HashSet<(string Account, string Reference)> _closedReservations = new();
    private readonly Dictionary<string, long> _clearing = new(StringComparer.Ordinal);
    private readonly Dictionary<string, BatchSealed> _batches = new(StringComparer.Ordinal);
    private readonly HashSet<string> _settled = new(StringComparer.Ordinal);
    private readonly List<string> _violations = [];
    private int _violationCount, _ledgerEvents, _ledgerEntries;
    private long _minted, _burned;

    public void Observe(string persistenceId, long sequenceNr, object @event)
    {
        switch (@event)
        {
            case LedgerEntriesWritten written:
                _ledgerEvents++;
                foreach (var entry in written.Entries) Entry(persistenceId, sequenceNr, entry);
                break;
            case SettlementWritten written:
                foreach (var sealedBatch in written.Sealed) Sealed(persistenceId, sealedBatch);
                foreach (var settled in written.Settled) Settled(persistenceId, settled);
                break;
        }
    }

    private void Entry(string pid, long seq, LedgerEntry entry)
    {
        _ledgerEntries++;
        var c = entry.Command;
        var amount = entry.Amount.Nano;
        if (amount < 0) Violation($"{pid}#{seq}: {c.Kind} {c.AccountId}/{c.Reference} moved a negative amount {entry.Amount}");
        var account = AccountOf(pid, c.AccountId);
        switch (c)
        {
            case Mint: account.Available += amount; _minted += amount; break;
            case Transfer t: account.Available -= amount; Clear(ClearingKeys.Transfer(t.AccountId, t.Reference), amount); break;
            case Reserve r:
                if (!_openReservations.TryAdd((r.AccountId, r.Reference), amount)) Violation($"{pid}#{seq}: reservation {r.AccountId}/{r.Reference} opened twice");
                account.Available -= amount; account.Reserved += amount;
                break;
            case Release r: account.Reserved -= Close(pid, seq, r.AccountId, [r.Reference], amount); account.Available += amount; break;
            case Capture cap: account.Reserved -= Close(pid, seq, cap.AccountId, cap.Reservations, amount); Clear(cap.ClearingKey, amount); break;
            case Credit cr: account.Available += amount; Clear(cr.ClearingKey, -amount); break;
            case Burn b: _burned += amount; Clear(b.ClearingKey, -amount); break;
            case Stake: account.Available -= amount; account.Staked += amount; break;
            case Unstake: account.Staked -= amount; account.Available += amount; break;
            case Slash s: SlashEntry(account, s, entry.Amount); break;
        }
        if (account.Available < 0 || account.Reserved < 0 || account.Staked < 0)
            Violation($"{pid}#{seq}: account {c.AccountId} negative after {c.Kind} {c.Reference}: {account.Available}/{account.Reserved}/{account.Staked} nOPG");
    }

    private void SlashEntry(Account account, Slash s, Opg taken)
    {
        account.Staked -= taken.Nano;
        var (bounty, rest) = SlashSplit.Divide(taken, s.BountyBps);
        Clear(ClearingKeys.SlashBounty(s.AccountId, s.Reference), bounty.Nano);
        if (s.BurnRest) _burned += rest.Nano;
        else Clear(ClearingKeys.SlashRest(s.AccountId, s.Reference), rest.Nano);
    }

    /// <summary>Closes reservations; each may be released or captured once. Returns the amount the entry claims.</summary>
    private long Close(string pid, long seq, string accountId, IEnumerable<string> references, long claimed)
    {
        long total = 0;
        foreach (var reference in references)
        {
            if (_openReservations.Remove((accountId, reference), out var amount)) { total += amount; _closedReservations.Add((accountId, reference)); }
            else if (_closedReservations.Contains((accountId, reference))) Violation($"{pid}#{seq}: reservation {accountId}/{reference} released or captured twice");
            else Violation($"{pid}#{seq}: reservation {accountId}/{reference} closed but never opened");
        }
        if (total != claimed) Violation($"{pid}#{seq}: {accountId} reservations sum to {total} nOPG, the entry moved {claimed}");
        return claimed;
    }

    private void Sealed(string pid, BatchSealed batch)
    {
        if (!_batches.TryAdd(batch.BatchId, batch)) { Violation($"{pid}: batch {batch.BatchId} sealed twice"); return; }
        var root = MerkleTree.Root(batch.Jobs.Select(j => j.Leaf()).ToList());
        if (!root.AsSpan().SequenceEqual(batch.MerkleRoot)) Violation($"{pid}: batch {batch.BatchId} Merkle root does not match its {batch.Jobs.Length} leaves");
    }

    private void Settled(string pid, BatchSettled settled)
    {
        if (!_batches.ContainsKey(settled.BatchId)) Violation($"{pid}: batch {settled.BatchId} settled but never sealed");
        if (!_settled.Add(settled.BatchId)) Violation($"{pid}: batch {settled.BatchId} settled twice");
        if (settled.Captured != settled.Credited + settled.Burned) Violation($"{pid}: batch {settled.BatchId} captured {settled.Captured} but paid {settled.Credited} + burned {settled.Burned}");
    }

    public AuditReport Finish()
    {
        CheckClearing();
        // A clearing key below zero (paid out more than was put in) is a violation of its own; counting it as negative
        // money in flight would hide the money it created from the conservation check.
        long available = 0, reserved = 0, staked = 0, inFlight = _clearing.Values.Where(v => v > 0).Sum();
        foreach (var a in _accounts.Values) { available += a.Available; reserved += a.Reserved; staked += a.Staked; }
        var total = checked(available + reserved + staked + inFlight + _burned);
        if (total != _minted)
            Violation($"conservation: available {new Opg(available)} + reserved {new Opg(reserved)} + staked {new Opg(staked)} + in flight {new Opg(inFlight)} + burned {new Opg(_burned)} = {new Opg(total)}, minted {new Opg(_minted)}");
        if (_violationCount > _violations.Count) _violations.Add($"... and {_violationCount - _violations.Count} more violations");
        var balances = _accounts.ToImmutableSortedDictionary(a => a.Key, a => new AccountTotals(new Opg(a.Value.Available), new Opg(a.Value.Reserved), new Opg(a.Value.Staked)), StringComparer.Ordinal);
        return new AuditReport(new Opg(_minted), new Opg(_burned), new Opg(available), new Opg(reserved), new Opg(staked), new Opg(inFlight),
            _accounts.Count, _ledgerEvents, _ledgerEntries, _batches.Count, _settled.Count, _clearing.Count(c => c.Value != 0), [.. _violations], balances);
    }

    /// <summary>Money in clearing is never negative (no credit without its debit) and a settled batch has none left.</summary>
    private void CheckClearing()
    {
        foreach (var (key, amount) in _clearing.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            if (amount < 0) Violation($"clearing {key}: {new Opg(-amount)} paid out more than was put in");
            var isTransferOrSlash = key.StartsWith("xfer/", StringComparison.Ordinal) || key.StartsWith("slash/", StringComparison.Ordinal);
            if (isTransferOrSlash) continue;
            if (!_batches.TryGetValue(key, out var batch)) { Violation($"clearing {key}: no batch of that id was sealed"); continue; }
            if (amount > batch.Total.Nano) Violation($"clearing {key}: {new Opg(amount)} in flight exceeds the batch total {batch.Total}");
            if (_settled.Contains(key) && amount != 0) Violation($"clearing {key}: batch settled with {new Opg(amount)} still in flight");
        }
    }

    private Account AccountOf(string pid, string accountId)
    {
        if (!_accounts.TryGetValue(accountId, out var account)) _accounts[accountId] = account = new Account { PersistenceId = pid };
        else if (account.PersistenceId != pid) Violation($"account {accountId} appears in both {account.PersistenceId} and {pid}");
        return account;
    }

    private void Clear(string key, long amount) => _clearing[key] = _clearing.GetValueOrDefault(key) + amount;

    private void Violation(string message)
    {
        _violationCount++;
        if (_violations.Count < MaxViolationsListed) _violations.Add(message);
    }
}
