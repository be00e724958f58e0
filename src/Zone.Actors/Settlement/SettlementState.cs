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
    ImmutableQueue<string> SettledOrder,
    int SettledCount)
{
    public static SettlementState Empty(string providerId) => new(
        providerId, 1, ImmutableList<SettlementJob>.Empty,
        ImmutableDictionary<string, SettlementJob>.Empty.WithComparers(StringComparer.Ordinal),
        ImmutableSortedDictionary<string, BatchSealed>.Empty.WithComparers(StringComparer.Ordinal),
        ImmutableDictionary<string, string>.Empty.WithComparers(StringComparer.Ordinal),
        ImmutableDictionary<string, string>.Empty.WithComparers(StringComparer.Ordinal),
        ImmutableQueue<string>.Empty, 0);

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
        var order = SettledOrder.Enqueue(jobId);
        var count = SettledCount + 1;
        while (count > capacity)
        {
            order = order.Dequeue(out var oldest);
            settled = settled.Remove(oldest);
            count--;
        }
        return this with { Settled = settled, SettledOrder = order, SettledCount = count };
    }

    public SettlementSnapshot ToSnapshot() =>
        new(NextSequence, Unsettled.Values.ToImmutableArray(), SettledOrder.Select(id => new SettledJob(id, Settled[id])).ToImmutableArray());

    public static SettlementState FromSnapshot(string providerId, SettlementSnapshot snapshot, int settledWindowJobs)
    {
        var state = Empty(providerId) with { NextSequence = snapshot.NextSequence };
        state = snapshot.Unsettled.Aggregate(state, (s, b) => s.Apply(b));
        return snapshot.SettledWindow.Aggregate(state, (s, j) => s.RememberSettled(j.JobId, j.BatchId, settledWindowJobs));
    }
}
