using System.Collections.Immutable;
using Zone.Actors.Money;
using Zone.Actors.Serialization;

namespace Zone.Actors.Settlement;

/// <summary>
/// A batch recorded durably before any of its legs is sent. It holds every leaf, so the audit can recompute the root,
/// and it is the record of the batch's money while that money is in flight.
/// </summary>
public sealed record BatchSealed(string BatchId, long Sequence, SettlementMode Mode, ImmutableArray<SettlementJob> Jobs, byte[] MerkleRoot) : IZoneMessage
{
    public bool Equals(BatchSealed? other) =>
        other is not null && BatchId == other.BatchId && Sequence == other.Sequence && Mode == other.Mode &&
        Jobs.SequenceEqual(other.Jobs) && MerkleRoot.AsSpan().SequenceEqual(other.MerkleRoot);

    public override int GetHashCode() => HashCode.Combine(BatchId, Sequence);

    public Opg Total => Opg.Sum(Jobs.Select(j => j.Price));
}

/// <summary>Every leg of the batch was acknowledged: the money of its captured jobs reached its payees.</summary>
public sealed record BatchSettled(string BatchId, ImmutableArray<string> FailedJobIds, Opg Captured, Opg Credited, Opg Burned) : IZoneMessage;

/// <summary>
/// One group commit of a settlement partition: the batches sealed and the batches settled since its last write. Seals
/// apply before settles; a batch is never sealed and settled in the same write (its legs leave only once its seal is durable).
/// </summary>
public sealed record SettlementWritten(ImmutableArray<BatchSealed> Sealed, ImmutableArray<BatchSettled> Settled) : IZoneMessage;

public sealed record SettledJob(string ProviderId, string JobId, long BatchSequence) : IZoneMessage;

/// <summary>A provider's settlement book: its next batch sequence and its sealed, unsettled batches.</summary>
public sealed record SettlementSnapshot(string ProviderId, long NextSequence, ImmutableArray<BatchSealed> Unsettled) : IZoneMessage;

/// <summary>The books of every provider of one settlement partition, and the partition's settled window (oldest first).</summary>
public sealed record SettlementPartitionSnapshot(ImmutableArray<SettlementSnapshot> Books, ImmutableArray<SettledJob> SettledWindow) : IZoneMessage;
