using System.Collections.Immutable;
using Zone.Actors.Money;

namespace Zone.Actors.Ledger;

public sealed record AccountState(Opg Available, Opg Reserved, Opg Staked, long StakeUnlocksAtMillis, ImmutableDictionary<string, Opg> Reservations)
{
    public static readonly AccountState Empty = new(Opg.Zero, Opg.Zero, Opg.Zero, 0, ImmutableDictionary<string, Opg>.Empty.WithComparers(StringComparer.Ordinal));

    public Opg Total => Available + Reserved + Staked;
}

/// <summary>
/// Identifies a command for idempotency: the same reference may be used once per kind and account. The hash is
/// computed once, when the key is made: a command's key is looked up several times (both generations of the window,
/// then added).
/// </summary>
public readonly struct DedupKey : IEquatable<DedupKey>
{
    private readonly int _hash;

    public DedupKey(LedgerCommandKind kind, string accountId, string reference)
    {
        Kind = kind;
        AccountId = accountId;
        Reference = reference;
        _hash = HashCode.Combine((byte)kind, accountId, reference);
    }

    public LedgerCommandKind Kind { get; }
    public string AccountId { get; }
    public string Reference { get; }

    public static DedupKey Of(ILedgerCommand command) => new(command.Kind, command.AccountId, command.Reference);

    public bool Equals(DedupKey other) =>
        _hash == other._hash && Kind == other.Kind && string.Equals(AccountId, other.AccountId, StringComparison.Ordinal) &&
        string.Equals(Reference, other.Reference, StringComparison.Ordinal);

    public override bool Equals(object? obj) => obj is DedupKey other && Equals(other);

    public override int GetHashCode() => _hash;

    public static bool operator ==(DedupKey left, DedupKey right) => left.Equals(right);

    public static bool operator !=(DedupKey left, DedupKey right) => !left.Equals(right);

    public override string ToString() => $"{Kind} {AccountId} {Reference}";
}

/// <summary>
/// A ledger partition's state, immutable: the form tests and snapshots use. A partition actor owns the mutable
/// <see cref="Builder"/> instead and decides and applies every command on it in place (each command sees the effects
/// of the ones before it); <see cref="ToBuilder"/> and <see cref="Builder.ToImmutable"/> convert between the two.
/// The dedup window is bounded by <see cref="LedgerRules.DedupWindowEntries"/> and kept in two generations of at most
/// half that each: when the current one fills it becomes the previous one and the old previous one is dropped whole.
/// That forgets oldest-first like a queue, at O(1) per command and without a second structure to keep in order.
/// </summary>
public sealed record LedgerState(
    ImmutableDictionary<string, AccountState> Accounts,
    ImmutableDictionary<DedupKey, LedgerEntry> Dedup,
    ImmutableDictionary<DedupKey, LedgerEntry> DedupPrevious,
    ImmutableSortedDictionary<string, OutboxCredit> Outbox,
    Opg Minted,
    Opg Burned)
{
    public static readonly LedgerState Empty = new(
        ImmutableDictionary<string, AccountState>.Empty.WithComparers(StringComparer.Ordinal),
        ImmutableDictionary<DedupKey, LedgerEntry>.Empty,
        ImmutableDictionary<DedupKey, LedgerEntry>.Empty,
        ImmutableSortedDictionary<string, OutboxCredit>.Empty.WithComparers(StringComparer.Ordinal),
        Opg.Zero,
        Opg.Zero);

    public int DedupCount => Dedup.Count + DedupPrevious.Count;

    public Opg InFlight => Opg.Sum(Outbox.Values.Select(o => o.Amount));

    public AccountState? Find(string accountId) => Accounts.GetValueOrDefault(accountId);

    public Builder ToBuilder() => new(this);

    public LedgerState Apply(LedgerEntry entry, LedgerRules rules)
    {
        var builder = ToBuilder();
        LedgerDecider.Apply(builder, entry, rules);
        return builder.ToImmutable();
    }

    public LedgerState Apply(LedgerEntriesWritten written, LedgerRules rules)
    {
        var builder = ToBuilder();
        builder.Apply(written, rules);
        return builder.ToImmutable();
    }

    public LedgerPartitionSnapshot ToSnapshot()
    {
        var accounts = Accounts.OrderBy(a => a.Key, StringComparer.Ordinal)
            .Select(a => new AccountSnapshot(a.Key, a.Value.Available, a.Value.Staked, a.Value.StakeUnlocksAtMillis,
                a.Value.Reservations.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => new ReservationSnapshot(r.Key, r.Value)).ToImmutableArray()))
            .ToImmutableArray();
        var window = DedupPrevious.Values.Concat(Dedup.Values).ToImmutableArray();
        return new LedgerPartitionSnapshot(accounts, window, DedupPrevious.Count, Outbox.Values.ToImmutableArray(), Minted, Burned);
    }

    public static LedgerState FromSnapshot(LedgerPartitionSnapshot snapshot)
    {
        var builder = Empty.ToBuilder();
        foreach (var a in snapshot.Accounts)
        {
            var reservations = a.Reservations.ToImmutableDictionary(r => r.Reference, r => r.Amount, StringComparer.Ordinal);
            builder.Accounts[a.AccountId] = LedgerAccount.From(new AccountState(a.Available, Opg.Sum(reservations.Values), a.Staked, a.StakeUnlocksAtMillis, reservations));
        }
        builder.RestoreWindow(snapshot.DedupWindow.Take(snapshot.PreviousGenerationEntries), snapshot.DedupWindow.Skip(snapshot.PreviousGenerationEntries));
        foreach (var credit in snapshot.Outbox) builder.Outbox[credit.ClearingKey] = credit;
        builder.Minted = snapshot.Minted;
        builder.Burned = snapshot.Burned;
        return builder.ToImmutable();
    }

    /// <summary>
    /// The mutable form of a partition's state: plain hash tables, changed in place. A partition actor owns one for
    /// its whole life and decides and applies each group on it (the write's replies still wait for durability); tests
    /// and snapshots use the immutable <see cref="LedgerState"/>.
    /// </summary>
    public sealed class Builder
    {
        private Dictionary<DedupKey, LedgerEntry> _dedup = new();
        private Dictionary<DedupKey, LedgerEntry> _dedupPrevious = new();

        public Builder() { }

        internal Builder(LedgerState state)
        {
            foreach (var (id, a) in state.Accounts) Accounts[id] = LedgerAccount.From(a);
            foreach (var (key, entry) in state.Dedup) _dedup[key] = entry;
            foreach (var (key, entry) in state.DedupPrevious) _dedupPrevious[key] = entry;
            foreach (var (key, credit) in state.Outbox) Outbox[key] = credit;
            Minted = state.Minted;
            Burned = state.Burned;
        }

        public Dictionary<string, LedgerAccount> Accounts { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, OutboxCredit> Outbox { get; } = new(StringComparer.Ordinal);
        public Opg Minted { get; set; }
        public Opg Burned { get; set; }

        /// <summary>Outbox credits added since the owner last cleared it: the ones a write must send once durable.</summary>
        public List<OutboxCredit> AddedCredits { get; } = [];

        public int DedupCount => _dedup.Count + _dedupPrevious.Count;

        public LedgerAccount? Find(string accountId) => Accounts.GetValueOrDefault(accountId);

        public bool TryRemembered(DedupKey key, out LedgerEntry entry) =>
            _dedup.TryGetValue(key, out entry!) || _dedupPrevious.TryGetValue(key, out entry!);

        /// <summary>Records an accepted command's answer; at most <paramref name="capacity"/> answers are kept.</summary>
        public void Remember(LedgerEntry entry, int capacity)
        {
            var key = DedupKey.Of(entry.Command);
            if (_dedupPrevious.ContainsKey(key) || !_dedup.TryAdd(key, entry)) return;
            if (_dedup.Count < Math.Max(1, capacity / 2)) return;
            // The current generation becomes the previous one; the old previous one is dropped whole (its table reused).
            (_dedupPrevious, _dedup) = (_dedup, _dedupPrevious);
            _dedup.Clear();
        }

        internal void RestoreWindow(IEnumerable<LedgerEntry> previous, IEnumerable<LedgerEntry> current)
        {
            _dedupPrevious.Clear();
            _dedup.Clear();
            foreach (var e in previous) _dedupPrevious[DedupKey.Of(e.Command)] = e;
            foreach (var e in current) _dedup[DedupKey.Of(e.Command)] = e;
        }

        /// <summary>Applies one journaled write in place (recovery).</summary>
        public void Apply(LedgerEntriesWritten written, LedgerRules rules)
        {
            foreach (var entry in written.Entries) LedgerDecider.Apply(this, entry, rules);
            foreach (var key in written.DeliveredCredits) Outbox.Remove(key);
        }

        public static Builder FromSnapshot(LedgerPartitionSnapshot snapshot) => LedgerState.FromSnapshot(snapshot).ToBuilder();

        public LedgerPartitionSnapshot ToSnapshot() => ToImmutable().ToSnapshot();

        public LedgerState ToImmutable()
        {
            var accounts = ImmutableDictionary.CreateBuilder<string, AccountState>(StringComparer.Ordinal);
            foreach (var (id, a) in Accounts) accounts[id] = a.ToImmutable();
            return new LedgerState(accounts.ToImmutable(), _dedup.ToImmutableDictionary(), _dedupPrevious.ToImmutableDictionary(),
                Outbox.ToImmutableSortedDictionary(StringComparer.Ordinal), Minted, Burned);
        }
    }
}

/// <summary>One account in a partition's mutable state (<see cref="LedgerState.Builder"/>).</summary>
public sealed class LedgerAccount
{
    public Opg Available { get; internal set; }
    public Opg Reserved { get; internal set; }
    public Opg Staked { get; internal set; }
    public long StakeUnlocksAtMillis { get; internal set; }
    public Dictionary<string, Opg> Reservations { get; } = new(StringComparer.Ordinal);

    public Opg Total => Available + Reserved + Staked;

    internal static LedgerAccount From(AccountState a)
    {
        var account = new LedgerAccount { Available = a.Available, Reserved = a.Reserved, Staked = a.Staked, StakeUnlocksAtMillis = a.StakeUnlocksAtMillis };
        foreach (var (reference, amount) in a.Reservations) account.Reservations[reference] = amount;
        return account;
    }

    public AccountState ToImmutable() =>
        new(Available, Reserved, Staked, StakeUnlocksAtMillis, Reservations.ToImmutableDictionary(StringComparer.Ordinal));
}
