using System.Collections.Immutable;

namespace Zone.Actors.Settlement;

/// <summary>
/// One provider's settlement book. <see cref="Open"/> (the batch being filled) is volatile: it is not journaled, and a
/// crash before the seal loses it; senders re-send jobs they have no answer for. Everything sealed is journaled.
/// </summary>
public sealed record SettlementState(
    string ProviderId,
    long NextSequence,
    ImmutableList<SettlementJob> Open,
    ImmutableDictionary<string, SettlementJob> OpenById,
    ImmutableSortedDictionary<string, BatchSealed> Unsettled,
    ImmutableDictionary<string, string> UnsettledJobBatch,
    ImmutableDictionary<string, string> Settled,
    ImmutableDictionary<string, string> SettledPrevious)
{
    public static SettlementState Empty(string providerId) => new(
        providerId, 1, ImmutableList<SettlementJob>.Empty,
        ImmutableDictionary<string, SettlementJob>.Empty.WithComparers(StringComparer.Ordinal),
        ImmutableSortedDictionary<string, BatchSealed>.Empty.WithComparers(StringComparer.Ordinal),
        ImmutableDictionary<string, string>.Empty.WithComparers(StringComparer.Ordinal),
        ImmutableDictionary<string, string>.Empty.WithComparers(StringComparer.Ordinal),
        ImmutableDictionary<string, string>.Empty.WithComparers(StringComparer.Ordinal));

    /// <summary>The batch a recently settled job was paid in; the window holds two generations of at most half its bound each.</summary>
    public string? SettledBatchOf(string jobId) =>
        Settled.TryGetValue(jobId, out var batchId) || SettledPrevious.TryGetValue(jobId, out batchId) ? batchId : null;

    public SettlementState Apply(BatchSealed batch)
    {
        var ids = batch.Jobs.Select(j => j.JobId).ToHashSet(StringComparer.Ordinal);
        var open = OpenById.Keys.Any(ids.Contains) ? Open.RemoveAll(j => ids.Contains(j.JobId)) : Open;
        return this with
        {
            NextSequence = Math.Max(NextSequence, batch.Sequence + 1),
            Open = open,
            OpenById = OpenById.RemoveRange(ids),
            Unsettled = Unsettled.Add(batch.BatchId, batch),
            UnsettledJobBatch = UnsettledJobBatch.SetItems(ids.Select(id => KeyValuePair.Create(id, batch.BatchId))),
        };
    }

    public SettlementState Apply(BatchSettled settled, int settledWindowJobs)
    {
        if (!Unsettled.TryGetValue(settled.BatchId, out var batch))
            throw new InvalidOperationException($"batch '{settled.BatchId}' settled but was never sealed");
        var next = this with
        {
            Unsettled = Unsettled.Remove(settled.BatchId),
            UnsettledJobBatch = UnsettledJobBatch.RemoveRange(batch.Jobs.Select(j => j.JobId)),
        };
        return batch.Jobs.Aggregate(next, (s, job) => s.RememberSettled(job.JobId, batch.BatchId, settledWindowJobs));
    }

    private SettlementState RememberSettled(string jobId, string batchId, int capacity)
    {
        var settled = Settled.SetItem(jobId, batchId);
        return settled.Count < Math.Max(1, capacity / 2)
            ? this with { Settled = settled }
            : this with { SettledPrevious = settled, Settled = Settled.Clear() };
    }

    public SettlementSnapshot ToSnapshot() =>
        new(NextSequence, Unsettled.Values.ToImmutableArray(),
            SettledPrevious.Concat(Settled).Select(p => new SettledJob(p.Key, p.Value)).ToImmutableArray(), SettledPrevious.Count);

    public static SettlementState FromSnapshot(string providerId, SettlementSnapshot snapshot, int settledWindowJobs)
    {
        var state = Empty(providerId) with { NextSequence = snapshot.NextSequence };
        state = snapshot.Unsettled.Aggregate(state, (s, b) => s.Apply(b));
        var previous = snapshot.SettledWindow.Take(snapshot.PreviousGenerationJobs).ToImmutableDictionary(j => j.JobId, j => j.BatchId, StringComparer.Ordinal);
        var current = snapshot.SettledWindow.Skip(snapshot.PreviousGenerationJobs).ToImmutableDictionary(j => j.JobId, j => j.BatchId, StringComparer.Ordinal);
        return state with { SettledPrevious = previous, Settled = current };
    }
}
