using System.Collections.Immutable;
using Zone.Actors.Money;
using Zone.Actors.Serialization;

namespace Zone.Actors.Ledger;

/// <summary>
/// An accepted command and the amount it moved. Derived amounts (a slash's bounty, a transfer's clearing key) are
/// pure functions of the command and this amount, so the journal stays compact and the audit recomputes them.
/// </summary>
public sealed record LedgerEntry(ILedgerCommand Command, Opg Amount) : IZoneMessage;

/// <summary>
/// The one journal event of a partition write: every command accepted while the previous write was in flight
/// (group commit), plus the outbox credits whose delivery was acknowledged since.
/// </summary>
public sealed record LedgerEntriesWritten(ImmutableArray<LedgerEntry> Entries, ImmutableArray<string> DeliveredCredits) : IZoneMessage;

/// <summary>A credit this partition owes another account (transfer, slash bounty): sent until acknowledged.</summary>
public sealed record OutboxCredit(string ClearingKey, string ToAccountId, Opg Amount) : IZoneMessage
{
    public Credit ToCommand() => new(ToAccountId, ClearingKey, Amount, ClearingKey);
}

public sealed record ReservationSnapshot(string Reference, Opg Amount) : IZoneMessage;

public sealed record AccountSnapshot(string AccountId, Opg Available, Opg Staked, long StakeUnlocksAtMillis, ImmutableArray<ReservationSnapshot> Reservations) : IZoneMessage;

/// <summary>A partition's whole state. The dedup window's first <see cref="PreviousGenerationEntries"/> entries are its older generation.</summary>
public sealed record LedgerPartitionSnapshot(
    ImmutableArray<AccountSnapshot> Accounts, ImmutableArray<DedupRecord> DedupWindow, ImmutableArray<OutboxCredit> Outbox, Opg Minted, Opg Burned) : IZoneMessage;

/// <summary>Balances of one partition as a live node sees them.</summary>
public sealed record PartitionBalances(string PartitionId, ImmutableArray<AccountSnapshot> Accounts, Opg InFlight, Opg Minted, Opg Burned) : IZoneMessage;

/// <summary>Clearing keys name money in flight between partitions, so that the audit can match each debit with its credits.</summary>
public static class ClearingKeys
{
    public static string Transfer(string accountId, string reference) => $"xfer/{accountId}/{reference}";

    public static string SlashBounty(string accountId, string reference) => $"slash/{accountId}/{reference}/bounty";

    public static string SlashRest(string accountId, string reference) => $"slash/{accountId}/{reference}/rest";
}

/// <summary>How a slash divides what it takes; shared by the ledger and the audit.</summary>
public static class SlashSplit
{
    public static (Opg Taken, Opg Kept) Take(Opg staked, int fractionBps) => staked.SplitBasisPoints(fractionBps);

    public static (Opg Bounty, Opg Remainder) Divide(Opg taken, int bountyBps) => taken.SplitBasisPoints(bountyBps);
}
