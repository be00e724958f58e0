namespace Zone.Actors.Settlement;

/// <summary>
/// One provider's settlement book, owned and changed in place by its settlement entity (plain hash tables: no
/// per-job allocation beyond the table slots). The functions that take a state and return one
/// (<see cref="SettlementDecider.Accept"/>, <see cref="Apply(BatchSealed)"/>) return the same, changed instance.
/// <see cref="Open"/> (the batch being filled) is volatile: it is not journaled, and a crash before the seal loses it;
/// senders re-send jobs they have no answer for. Everything sealed is journaled.
/// </summary>
public sealed class SettlementState
{
    private readonly List<SettlementJob> _open = [];
    private BatchOfJobs _openBatch = new();
    // Every job accepted and not yet settled, open or sealed: a job enters once and leaves once, and the seal of the
    // open batch changes no entry (they share its BatchOfJobs).
    private readonly Dictionary<string, PendingJob> _pending = new(StringComparer.Ordinal);
    private readonly Dictionary<string, BatchSealed> _unsettled = new(StringComparer.Ordinal);
    // The partition's recently settled jobs, which every book of the partition shares.
    private readonly SettledJobs _settled;

    private SettlementState(string providerId, SettledJobs settled) => (ProviderId, _settled) = (providerId, settled);

    /// <param name="settled">Where settled jobs are remembered: the partition's window, shared by all its books.</param>
    public static SettlementState Empty(string providerId, SettledJobs settled) => new(providerId, settled);

    public string ProviderId { get; }

    public long NextSequence { get; private set; } = 1;

    /// <summary>The batch being filled, in arrival order.</summary>
    public IReadOnlyList<SettlementJob> Open => _open;

    public IReadOnlyDictionary<string, BatchSealed> Unsettled => _unsettled;

    /// <summary>The open job with this id, if any.</summary>
    public SettlementJob? FindOpen(string jobId) =>
        _pending.TryGetValue(jobId, out var at) && at.Batch.Sealed is null ? at.Job : null;

    /// <summary>The unsettled batch holding this job and the job as it was recorded in it.</summary>
    public (BatchSealed Batch, SettlementJob Job)? FindUnsettled(string jobId) =>
        _pending.TryGetValue(jobId, out var at) && at.Batch.Sealed is { } batch ? (batch, batch.Jobs[at.Index]) : null;

    /// <summary>The batch a recently settled job was paid in (the window forgets the oldest beyond its bound).</summary>
    public string? SettledBatchOf(string jobId) =>
        _settled.TryGet(ProviderId, jobId, out var sequence) ? SettlementDecider.BatchIdOf(ProviderId, sequence) : null;

    internal void AddOpen(SettlementJob job)
    {
        _pending.Add(job.JobId, new PendingJob(job, _openBatch, _open.Count));
        _open.Add(job);
    }

    public SettlementState Apply(BatchSealed batch)
    {
        if (_unsettled.TryGetValue(batch.BatchId, out var known))
        {
            // The same seal again (a snapshot taken while it was being written, then its event): nothing to do.
            if (known.Equals(batch)) return this;
            throw new InvalidOperationException($"batch '{batch.BatchId}' sealed twice with different content");
        }
        NextSequence = Math.Max(NextSequence, batch.Sequence + 1);
        _unsettled.Add(batch.BatchId, batch);
        if (IsTheOpenBatch(batch))
        {
            // The usual seal: every open job, in order. Their entries already point at the open batch, which is now this.
            _openBatch.Sealed = batch;
            _openBatch = new BatchOfJobs();
            _open.Clear();
            return this;
        }
        // Recovery, a job sealed alone, or a batch that takes some open jobs: each job points at this batch, and the open
        // jobs it did not take stay open.
        var sealedHere = new BatchOfJobs { Sealed = batch };
        var tookOpen = false;
        for (var i = 0; i < batch.Jobs.Length; i++)
        {
            var id = batch.Jobs[i].JobId;
            tookOpen |= _pending.TryGetValue(id, out var was) && was.Batch.Sealed is null;
            _pending[id] = new PendingJob(batch.Jobs[i], sealedHere, i);
        }
        if (tookOpen) ReopenRemaining();
        return this;
    }

    private bool IsTheOpenBatch(BatchSealed batch)
    {
        if (_open.Count == 0 || batch.Jobs.Length != _open.Count) return false;
        for (var i = 0; i < _open.Count; i++)
            if (!ReferenceEquals(batch.Jobs[i], _open[i])) return false;
        return true;
    }

    /// <summary>Rebuilds the open batch from the open jobs a seal did not take.</summary>
    private void ReopenRemaining()
    {
        var remaining = _open.Where(j => _pending.TryGetValue(j.JobId, out var at) && at.Batch.Sealed is null).ToList();
        _open.Clear();
        _openBatch = new BatchOfJobs();
        foreach (var job in remaining)
        {
            _pending[job.JobId] = new PendingJob(job, _openBatch, _open.Count);
            _open.Add(job);
        }
    }

    public SettlementState Apply(BatchSettled settled)
    {
        if (!_unsettled.Remove(settled.BatchId, out var batch))
            throw new InvalidOperationException($"batch '{settled.BatchId}' settled but was never sealed");
        // A job of an unsettled batch is not in the settled window: admission turns away a job the window knows, and a
        // job is in one unsettled batch at most. So its id goes in without the window's lookup.
        foreach (var job in batch.Jobs)
        {
            _pending.Remove(job.JobId);
            _settled.AddAbsent(ProviderId, job.JobId, batch.Sequence);
        }
        return this;
    }

    /// <summary>The book as a snapshot, without the batches in <paramref name="notDurable"/> (sealed, their write still in flight).</summary>
    public SettlementSnapshot ToSnapshot(IReadOnlySet<string>? notDurable = null) =>
        new(ProviderId, NextSequence, [.. _unsettled.Values.Where(b => notDurable is null || !notDurable.Contains(b.BatchId)).OrderBy(b => b.Sequence)]);

    /// <summary>The jobs of one batch, open and then sealed: set once, when the batch seals.</summary>
    private sealed class BatchOfJobs
    {
        public BatchSealed? Sealed;
    }

    /// <param name="Index">The job's place in its batch (the open batch's order is the sealed batch's).</param>
    private readonly record struct PendingJob(SettlementJob Job, BatchOfJobs Batch, int Index);

    public static SettlementState FromSnapshot(SettlementSnapshot snapshot, SettledJobs settled)
    {
        var state = Empty(snapshot.ProviderId, settled);
        state.NextSequence = snapshot.NextSequence;
        foreach (var batch in snapshot.Unsettled) state.Apply(batch);
        return state;
    }
}
