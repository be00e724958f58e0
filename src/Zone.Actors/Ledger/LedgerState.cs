using System.Collections.Immutable;
using Zone.Actors.Money;

namespace Zone.Actors.Ledger;

public sealed record AccountState(Opg Available, Opg Reserved, Opg Staked, long StakeUnlocksAtMillis, ImmutableDictionary<string, Opg> Reservations)
{
    public static readonly AccountState Empty = new(Opg.Zero, Opg.Zero, Opg.Zero, 0, ImmutableDictionary<string, Opg>.Empty.WithComparers(StringComparer.Ordinal));

    public Opg Total => Available + Reserved + Staked;
}

/// <summary>Identifies a command for idempotency: the same reference may be used once per kind and account.</summary>
public readonly record struct DedupKey(LedgerCommandKind Kind, string AccountId, string Reference)
{
    public static DedupKey Of(ILedgerCommand command) => new(command.Kind, command.AccountId, command.Reference);
}

/// <summary>
/// A ledger partition's state. Immutable; a group of commands is decided and applied on a <see cref="Builder"/>
/// (so each command sees the effects of the ones before it) and frozen once, when the write is durable.
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
        foreach (var entry in written.Entries) LedgerDecider.Apply(builder, entry, rules);
        foreach (var key in written.DeliveredCredits) builder.Outbox.Remove(key);
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
            builder.Accounts[a.AccountId] = new AccountState(a.Available, Opg.Sum(reservations.Values), a.Staked, a.StakeUnlocksAtMillis, reservations);
        }
        builder.RestoreWindow(snapshot.DedupWindow.Take(snapshot.PreviousGenerationEntries), snapshot.DedupWindow.Skip(snapshot.PreviousGenerationEntries));
        foreach (var credit in snapshot.Outbox) builder.Outbox[credit.ClearingKey] = credit;
        builder.Minted = snapshot.Minted;
        builder.Burned = snapshot.Burned;
        return builder.ToImmutable();
    }

    /// <summary>The mutable working copy of one group commit.</summary>
    public sealed class Builder
    {
        internal Builder(LedgerState state)
        {
            Accounts = state.Accounts.ToBuilder();
            Dedup = state.Dedup.ToBuilder();
            DedupPrevious = state.DedupPrevious;
            Outbox = state.Outbox.ToBuilder();
            Minted = state.Minted;
            Burned = state.Burned;
        }

        public ImmutableDictionary<string, AccountState>.Builder Accounts { get; }
        public ImmutableDictionary<DedupKey, LedgerEntry>.Builder Dedup { get; private set; }
        public ImmutableDictionary<DedupKey, LedgerEntry> DedupPrevious { get; private set; }
        public ImmutableSortedDictionary<string, OutboxCredit>.Builder Outbox { get; }
        public Opg Minted { get; set; }
        public Opg Burned { get; set; }

        public AccountState? Find(string accountId) => Accounts.GetValueOrDefault(accountId);

        public bool TryRemembered(DedupKey key, out LedgerEntry entry) =>
            Dedup.TryGetValue(key, out entry!) || DedupPrevious.TryGetValue(key, out entry!);

        /// <summary>Records an accepted command's answer; at most <paramref name="capacity"/> answers are kept.</summary>
        public void Remember(LedgerEntry entry, int capacity)
        {
            var key = DedupKey.Of(entry.Command);
            if (DedupPrevious.ContainsKey(key) || !Dedup.TryAdd(key, entry)) return;
            if (Dedup.Count < Math.Max(1, capacity / 2)) return;
            DedupPrevious = Dedup.ToImmutable();
            Dedup = ImmutableDictionary<DedupKey, LedgerEntry>.Empty.ToBuilder();
        }

        internal void RestoreWindow(IEnumerable<LedgerEntry> previous, IEnumerable<LedgerEntry> current)
        {
            DedupPrevious = previous.ToImmutableDictionary(e => DedupKey.Of(e.Command));
            Dedup = current.ToImmutableDictionary(e => DedupKey.Of(e.Command)).ToBuilder();
        }

        public LedgerState ToImmutable() =>
            new(Accounts.ToImmutable(), Dedup.ToImmutable(), DedupPrevious, Outbox.ToImmutable(), Minted, Burned);
    }
}
