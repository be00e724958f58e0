using System.Collections.Immutable;
using Zone.Actors.Money;
using Zone.Actors.Serialization;
using Zone.Actors.Sharding;

namespace Zone.Actors.Settlement;

/// <summary>OpenGradient's settlement modes. <see cref="ZoneDefault"/> on a job means "whatever the zone is configured for".</summary>
public enum SettlementMode : byte
{
    ZoneDefault = 0,
    /// <summary>Payment only: the job settles alone and no input/output hashes are recorded.</summary>
    Private = 1,
    /// <summary>The job settles alone with its input and output hashes recorded.</summary>
    Individual = 2,
    /// <summary>Jobs collect into a batch sealed every N jobs or T time under a Merkle root.</summary>
    Batch = 3,
}

/// <summary>
/// A job to be paid. The consumer reserved <see cref="Price"/> under the reference <see cref="JobId"/> before the job
/// was accepted; settlement captures that reservation. <see cref="VerifierId"/> is empty when no verifier is paid.
/// </summary>
public sealed record SettlementJob(string JobId, string ConsumerId, string ProviderId, string VerifierId, Opg Price, byte[] InputHash, byte[] OutputHash) : IZoneMessage
{
    public bool Equals(SettlementJob? other) =>
        other is not null && JobId == other.JobId && ConsumerId == other.ConsumerId && ProviderId == other.ProviderId &&
        VerifierId == other.VerifierId && Price == other.Price &&
        InputHash.AsSpan().SequenceEqual(other.InputHash) && OutputHash.AsSpan().SequenceEqual(other.OutputHash);

    public override int GetHashCode() => HashCode.Combine(JobId, ConsumerId, ProviderId, Price);

    public byte[] Leaf() => MerkleTree.Leaf(JobId, InputHash, OutputHash, Price);
}

/// <summary>
/// Jobs to settle, all of providers of the settlement partition <see cref="EntityId"/> (see
/// <see cref="SettlementPartitions.Route"/>). The partition answers each sender with <see cref="JobsSettled"/> once
/// the job's batch has moved all its money (durably), or <see cref="JobRejected"/>. Re-sending a job is safe: it is
/// identified by its id.
/// </summary>
public sealed record AcceptJobs(string EntityId, ImmutableArray<SettlementJob> Jobs, SettlementMode Mode) : IShardedMessage, IZoneMessage;

/// <summary>Seals every open batch of the partition now instead of waiting for its size or wait (a sender draining its work).</summary>
public sealed record SealOpenBatches(string EntityId) : IShardedMessage, IZoneMessage;

/// <summary>A batch is settled: <see cref="JobIds"/> were paid, <see cref="FailedJobIds"/> had no reservation to capture.</summary>
public sealed record JobsSettled(string BatchId, ImmutableArray<string> JobIds, ImmutableArray<string> FailedJobIds) : IZoneMessage;

public sealed record JobRejected(string JobId, string Reason) : IZoneMessage;

/// <summary>Starts a settlement entity after a restart so that it finishes its unsettled batches.</summary>
public sealed record WakeSettlement(string EntityId) : IShardedMessage, IZoneMessage;

/// <summary>
/// What a shard sends a settlement entity it hands off (rebalance, node shutdown): the entity stops once its journal
/// writes are done. Its senders may already hold answers whose batches' settles are still being written.
/// </summary>
public sealed record StopSettlementWhenWritten
{
    public static readonly StopSettlementWhenWritten Instance = new();
}
