using System.Collections.Immutable;
using Zone.Actors.Money;
using Zone.Actors.Serialization;
using Zone.Actors.Sharding;

namespace Zone.Actors.Ledger;

public enum LedgerCommandKind : byte
{
    Mint = 1,
    Transfer = 2,
    Reserve = 3,
    Release = 4,
    Capture = 5,
    Credit = 6,
    Burn = 7,
    Stake = 8,
    Unstake = 9,
    Slash = 10,
}

/// <summary>
/// A money command on one account. The protocol is per account even though balances live in ledger partitions:
/// callers name accounts, never partitions. (Kind, AccountId, Reference) identifies the command for idempotency.
/// </summary>
public interface ILedgerCommand : IZoneMessage
{
    string AccountId { get; }
    string Reference { get; }
    LedgerCommandKind Kind { get; }
}

/// <summary>Creates money. Only the treasury account may receive a mint (genesis funds everyone else by Transfer).</summary>
public sealed record Mint(string AccountId, string Reference, Opg Amount) : ILedgerCommand
{
    public LedgerCommandKind Kind => LedgerCommandKind.Mint;
}

/// <summary>Moves available money to another account; it is in flight (clearing key <see cref="ClearingKeys.Transfer"/>) until credited.</summary>
public sealed record Transfer(string AccountId, string Reference, string ToAccountId, Opg Amount) : ILedgerCommand
{
    public LedgerCommandKind Kind => LedgerCommandKind.Transfer;
}

/// <summary>Sets aside available money for a job; <see cref="Reference"/> names the reservation (the job id).</summary>
public sealed record Reserve(string AccountId, string Reference, Opg Amount) : ILedgerCommand
{
    public LedgerCommandKind Kind => LedgerCommandKind.Reserve;
}

/// <summary>Returns the reservation named <see cref="Reference"/> to available (refund of a rejected or expired job).</summary>
public sealed record Release(string AccountId, string Reference) : ILedgerCommand
{
    public LedgerCommandKind Kind => LedgerCommandKind.Release;
}

/// <summary>
/// Takes the named reservations of one account into clearing under <see cref="ClearingKey"/> (a settlement batch):
/// money moves once per account per batch. All or nothing.
/// </summary>
public sealed record Capture(string AccountId, string Reference, string ClearingKey, ImmutableArray<string> Reservations) : ILedgerCommand
{
    public LedgerCommandKind Kind => LedgerCommandKind.Capture;

    // Records compare ImmutableArray by reference; idempotency needs content equality.
    public bool Equals(Capture? other) =>
        other is not null && AccountId == other.AccountId && Reference == other.Reference && ClearingKey == other.ClearingKey &&
        Reservations.AsSpan().SequenceEqual(other.Reservations.AsSpan());

    public override int GetHashCode() => HashCode.Combine(AccountId, Reference, ClearingKey, Reservations.Length);
}

/// <summary>Pays money out of clearing under <see cref="ClearingKey"/> into this account's available balance.</summary>
public sealed record Credit(string AccountId, string Reference, Opg Amount, string ClearingKey) : ILedgerCommand
{
    public LedgerCommandKind Kind => LedgerCommandKind.Credit;
}

/// <summary>Destroys money held in clearing under <see cref="ClearingKey"/>; recorded on <see cref="AccountId"/>'s partition (the treasury's).</summary>
public sealed record Burn(string AccountId, string Reference, Opg Amount, string ClearingKey) : ILedgerCommand
{
    public LedgerCommandKind Kind => LedgerCommandKind.Burn;
}

/// <summary>Locks available money as stake; it stays locked for the unstake cooldown from <see cref="ZoneTimeMillis"/>.</summary>
public sealed record Stake(string AccountId, string Reference, Opg Amount, long ZoneTimeMillis) : ILedgerCommand
{
    public LedgerCommandKind Kind => LedgerCommandKind.Stake;
}

/// <summary>Unlocks stake back to available, refused until the cooldown since the last stake has passed in zone time.</summary>
public sealed record Unstake(string AccountId, string Reference, Opg Amount, long ZoneTimeMillis) : ILedgerCommand
{
    public LedgerCommandKind Kind => LedgerCommandKind.Unstake;
}

/// <summary>
/// Takes <see cref="FractionBps"/> of the stake (proven fraud). <see cref="BountyBps"/> of what is taken goes to
/// <see cref="BeneficiaryId"/> (the verifier); the rest is burned or, if not <see cref="BurnRest"/>, paid to the treasury.
/// </summary>
public sealed record Slash(string AccountId, string Reference, int FractionBps, string BeneficiaryId, int BountyBps, bool BurnRest) : ILedgerCommand
{
    public LedgerCommandKind Kind => LedgerCommandKind.Slash;
}

/// <summary>Commands for the accounts of one ledger partition, decided and written together. <see cref="EntityId"/> is the partition.</summary>
public sealed record LedgerCommands(string EntityId, ImmutableArray<ILedgerCommand> Commands) : IShardedMessage, IZoneMessage;

public enum LedgerRejectionReason : byte
{
    None = 0,
    InsufficientFunds = 1,
    UnknownReference = 2,
    NegativeAmount = 3,
    ZeroAmount = 4,
    Overflow = 5,
    UnknownAccount = 6,
    Conflict = 7,
    MintNotAllowed = 8,
    StakeLocked = 9,
    InvalidFraction = 10,
    InvalidCommand = 11,
    WrongPartition = 12,
    Overloaded = 13,
}

/// <summary>
/// The answer to one command. <see cref="Amount"/> is what moved (for Release and Capture: the reservations' sum;
/// for Slash: the stake taken). A repeat of an accepted command returns the first answer with <see cref="Duplicate"/> set.
/// </summary>
public sealed record LedgerReply(
    string AccountId, string Reference, LedgerCommandKind Kind, LedgerRejectionReason Rejection, Opg Amount, bool Duplicate, string Detail) : IZoneMessage
{
    public bool Accepted => Rejection == LedgerRejectionReason.None;

    public static LedgerReply Accept(ILedgerCommand c, Opg amount, bool duplicate) =>
        new(c.AccountId, c.Reference, c.Kind, LedgerRejectionReason.None, amount, duplicate, "");

    public static LedgerReply Reject(ILedgerCommand c, LedgerRejectionReason reason, string detail) =>
        new(c.AccountId, c.Reference, c.Kind, reason, Opg.Zero, false, detail);
}

/// <summary>Answers to one <see cref="LedgerCommands"/> message, in command order, sent only after the write is durable.</summary>
public sealed record LedgerReplies(string PartitionId, ImmutableArray<LedgerReply> Replies) : IZoneMessage;

/// <summary>Asks a partition for its balances (the `zone ledger balances` view of a live node).</summary>
public sealed record GetPartitionBalances(string EntityId) : IShardedMessage, IZoneMessage;

/// <summary>Starts a partition after a restart so that it re-sends its undelivered credits.</summary>
public sealed record WakeLedgerPartition(string EntityId) : IShardedMessage, IZoneMessage;
