using System.Collections.Immutable;
using Zone.Actors.Idempotency;
using Zone.Actors.Money;
using Zone.Actors.Serialization;

namespace Zone.Actors.Ledger;

public sealed record AccountState(Opg Available, Opg Reserved, Opg Staked, long StakeUnlocksAtMillis, ImmutableDictionary<string, Opg> Reservations)
{
    public static readonly AccountState Empty = new(Opg.Zero, Opg.Zero, Opg.Zero, 0, ImmutableDictionary<string, Opg>.Empty.WithComparers(StringComparer.Ordinal));

    public Opg Total => Available + Reserved + Staked;
}

/// <summary>What the dedup window keeps of an accepted command: the amount it moved and a fingerprint of its content.</summary>
public readonly record struct DedupAnswer(Opg Amount, ulong Content);

/// <summary>One command remembered by the dedup window, as snapshots and the immutable state hold it.</summary>
public sealed record DedupRecord(LedgerCommandKind Kind, string AccountId, string Reference, Opg Amount, ulong Content) : IZoneMessage;

/// <summary>
/// A ledger partition's state, immutable: the form tests and snapshots use. A partition actor owns the mutable
/// <see cref="Builder"/> instead and decides and applies every command on it in place (each command sees the effects
/// of the ones before it); <see cref="ToBuilder"/> and <see cref="Builder.ToImmutable"/> convert between the two.
/// The dedup window (<see cref="ReferenceWindow{TValue}"/>) is bounded by <see cref="LedgerRules.DedupWindowEntries"/>
/// and forgets oldest first; <see cref="DedupWindow"/> lists it oldest first.
/// </summary>
public sealed record LedgerState(
    ImmutableDictionary<string, AccountState> Accounts,
    ImmutableArray<DedupRecord> DedupWindow,
    ImmutableSortedDictionary<string, OutboxCredit> Outbox,
    Opg Minted,
    Opg Burned)
{
    public static readonly LedgerState Empty = new(
        ImmutableDictionary<string, AccountState>.Empty.WithComparers(StringComparer.Ordinal),
        [],
        ImmutableSortedDictionary<string, OutboxCredit>.Empty.WithComparers(StringComparer.Ordinal),
        Opg.Zero,
        Opg.Zero);

    public int DedupCount => DedupWindow.Length;

    public Opg InFlight => Opg.Sum(Outbox.Values.Select(o => o.Amount));

    public AccountState? Find(string accountId) => Accounts.GetValueOrDefault(accountId);

    public Builder ToBuilder(int dedupWindowEntries) => new(this, dedupWindowEntries);

    public LedgerState Apply(LedgerEntry entry, LedgerRules rules)
    {
        var builder = ToBuilder(rules.DedupWindowEntries);
        LedgerDecider.Apply(builder, entry, rules);
        return builder.ToImmutable();
    }

    public LedgerState Apply(LedgerEntriesWritten written, LedgerRules rules)
    {
        var builder = ToBuilder(rules.DedupWindowEntries);
        builder.Apply(written, rules);
        return builder.ToImmutable();
    }

    public LedgerPartitionSnapshot ToSnapshot()
    {
        var accounts = Accounts.OrderBy(a => a.Key, StringComparer.Ordinal)
            .Select(a => new AccountSnapshot(a.Key, a.Value.Available, a.Value.Staked, a.Value.StakeUnlocksAtMillis,
                a.Value.Reservations.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => new ReservationSnapshot(r.Key, r.Value)).ToImmutableArray()))
            .ToImmutableArray();
        return new LedgerPartitionSnapshot(accounts, DedupWindow, Outbox.Values.ToImmutableArray(), Minted, Burned);
    }

    public static LedgerState FromSnapshot(LedgerPartitionSnapshot snapshot)
    {
        var accounts = ImmutableDictionary.CreateBuilder<string, AccountState>(StringComparer.Ordinal);
        foreach (var a in snapshot.Accounts)
        {
            var reservations = a.Reservations.ToImmutableDictionary(r => r.Reference, r => r.Amount, StringComparer.Ordinal);
            accounts[a.AccountId] = new AccountState(a.Available, Opg.Sum(reservations.Values), a.Staked, a.StakeUnlocksAtMillis, reservations);
        }
        return new LedgerState(accounts.ToImmutable(), snapshot.DedupWindow,
            snapshot.Outbox.ToImmutableSortedDictionary(c => c.ClearingKey, c => c, StringComparer.Ordinal), snapshot.Minted, snapshot.Burned);
    }

    /// <summary>
    /// The mutable form of a partition's state: plain hash tables, changed in place. A partition actor owns one for
    /// its whole life and decides and applies each group on it (the write's replies still wait for durability); tests
    /// and snapshots use the immutable <see cref="LedgerState"/>.
    /// </summary>
    public sealed class Builder
    {
        private readonly ReferenceWindow<DedupAnswer> _window;

        public Builder(int dedupWindowEntries) => _window = new ReferenceWindow<DedupAnswer>(dedupWindowEntries);

        internal Builder(LedgerState state, int dedupWindowEntries) : this(dedupWindowEntries)
        {
            foreach (var (id, a) in state.Accounts) Accounts[id] = LedgerAccount.From(a);
            foreach (var r in state.DedupWindow) _window.TryAdd((byte)r.Kind, r.AccountId, r.Reference, new DedupAnswer(r.Amount, r.Content));
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

        public int DedupCount => _window.Count;

        public Opg InFlight => Opg.Sum(Outbox.Values.Select(o => o.Amount));

        public LedgerAccount? Find(string accountId) => Accounts.GetValueOrDefault(accountId);

        public bool TryRemembered(ILedgerCommand command, out DedupAnswer answer) =>
            _window.TryGet((byte)command.Kind, command.AccountId, command.Reference, out answer);

        /// <summary>Records an accepted command's answer (the first answer stays); the window forgets the oldest beyond its bound.</summary>
        public void Remember(LedgerEntry entry) =>
            _window.TryAdd((byte)entry.Command.Kind, entry.Command.AccountId, entry.Command.Reference,
                new DedupAnswer(entry.Amount, LedgerCommandContent.Fingerprint(entry.Command)));

        /// <summary><see cref="Remember"/> for an entry whose key the caller has just looked up and not found.</summary>
        public void RememberAbsent(LedgerEntry entry) =>
            _window.AddAbsent((byte)entry.Command.Kind, entry.Command.AccountId, entry.Command.Reference,
                new DedupAnswer(entry.Amount, LedgerCommandContent.Fingerprint(entry.Command)));

        /// <summary>Applies one journaled write in place (recovery).</summary>
        public void Apply(LedgerEntriesWritten written, LedgerRules rules)
        {
            foreach (var entry in written.Entries) LedgerDecider.Apply(this, entry, rules);
            foreach (var key in written.DeliveredCredits) Outbox.Remove(key);
        }

        public static Builder FromSnapshot(LedgerPartitionSnapshot snapshot, int dedupWindowEntries) => LedgerState.FromSnapshot(snapshot).ToBuilder(dedupWindowEntries);

        /// <summary>The snapshot, built straight from the tables (a partition's window holds hundreds of thousands of entries).</summary>
        public LedgerPartitionSnapshot ToSnapshot() =>
            new(AccountSnapshots(), Window(), [.. Outbox.Values.OrderBy(c => c.ClearingKey, StringComparer.Ordinal)], Minted, Burned);

        public ImmutableArray<AccountSnapshot> AccountSnapshots() =>
        [
            .. Accounts.OrderBy(a => a.Key, StringComparer.Ordinal)
                .Select(a => new AccountSnapshot(a.Key, a.Value.Available, a.Value.Staked, a.Value.StakeUnlocksAtMillis,
                    [.. a.Value.Reservations.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => new ReservationSnapshot(r.Key, r.Value))])),
        ];

        public LedgerState ToImmutable()
        {
            var accounts = ImmutableDictionary.CreateBuilder<string, AccountState>(StringComparer.Ordinal);
            foreach (var (id, a) in Accounts) accounts[id] = a.ToImmutable();
            return new LedgerState(accounts.ToImmutable(), Window(), Outbox.ToImmutableSortedDictionary(StringComparer.Ordinal), Minted, Burned);
        }

        private ImmutableArray<DedupRecord> Window() =>
            [.. _window.Entries().Select(e => new DedupRecord((LedgerCommandKind)e.Kind, e.Scope, e.Reference, e.Value.Amount, e.Value.Content))];
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
