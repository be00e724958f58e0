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

public sealed record SettledJob(string JobId, string BatchId) : IZoneMessage;

/// <summary>A provider's settlement book; the settled window's first <see cref="PreviousGenerationJobs"/> jobs are its older generation.</summary>
public sealed record SettlementSnapshot(long NextSequence, ImmutableArray<BatchSealed> Unsettled, ImmutableArray<SettledJob> SettledWindow, int PreviousGenerationJobs) : IZoneMessage;
