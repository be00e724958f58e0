using System.Collections.Immutable;
using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Zone.Actors.Ledger;
using Zone.Actors.Sharding;

namespace Zone.Actors.Settlement;

/// <summary>
/// The settlement of every provider hashed to one partition. A batch is journaled (in a <see cref="SettlementWritten"/>)
/// before any leg is sent; then its captures go to the consumers' ledger partitions, and once all are answered its
/// credits go to the payees' partitions. Legs are idempotent (reference = batch id) and re-sent until acknowledged; on
/// recovery every unsettled batch starts over from its captures, whose repeats return their first answers.
/// Senders hear <see cref="JobsSettled"/> as soon as every leg is acknowledged, since the money has then moved durably;
/// the batch's <see cref="BatchSettled"/> follows in the next write and only spares recovery from re-sending its legs.
/// Group commit: everything sealed or settled while a write is in flight goes into the next single event, and the legs
/// of all batches made durable by one write leave together, one message per ledger partition.
/// </summary>
public sealed class SettlementPartitionActor : PersistentPartitionActor
{
    private sealed record SealDueBatches
    {
        public static readonly SealDueBatches Instance = new();
    }

    private sealed record RetryLegs
    {
        public static readonly RetryLegs Instance = new();
    }

    private readonly SettlementSettings _settings;
    private readonly Func<IActorRef> _ledgerRegion;
    private readonly Dictionary<string, SettlementState> _books = new(StringComparer.Ordinal);
    // Provider → when its open batch got its first job (Stopwatch timestamp): the batch seals once it has waited BatchMaxWait.
    private readonly Dictionary<string, long> _openSince = new(StringComparer.Ordinal);
    // Which book holds each sealed, unsettled batch (a settle names only the batch).
    private readonly Dictionary<string, SettlementState> _bookOfBatch = new(StringComparer.Ordinal);
    // Who waits for each job's answer. A new job's sender is listed in job order beside the provider's open batch, and
    // the list moves to the batch when it seals: no table keyed by job id on the hot path. Senders of a job that was
    // already known (re-sent) wait by job id. None of this is journaled: after a restart senders re-send.
    private readonly Dictionary<string, List<IActorRef>> _openSenders = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<IActorRef>> _batchSenders = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<IActorRef>> _resentWaiters = new(StringComparer.Ordinal);
    private readonly Dictionary<string, BatchProgress> _progress = new(StringComparer.Ordinal);
    private readonly List<BatchSealed> _pendingSealed = [];
    private readonly List<BatchSettled> _pendingSettled = [];
    private readonly SettledJobs _settled;
    private long _jobsSinceSnapshot;
    private bool _writing;
    private bool _stopWhenWritten;

    public SettlementPartitionActor(string partitionId, SettlementSettings settings, Func<IActorRef> ledgerRegion)
        : base(partitionId, SettlementPartitions.PersistenceIdOf(partitionId))
    {
        _settings = settings;
        _ledgerRegion = ledgerRegion;
        _settled = new SettledJobs(settings.SettledWindowJobs);
        Recover<SnapshotOffer>(offer => Restore((SettlementPartitionSnapshot)offer.Snapshot));
        Recover<SettlementWritten>(written =>
        {
            Apply(written);
            _jobsSinceSnapshot += JobsIn(written);
        });
        Recover<RecoveryCompleted>(_ => StartBatches(_books.Values.SelectMany(b => b.Unsettled.Values).OrderBy(b => b.BatchId, StringComparer.Ordinal).ToList()));
        Command<AcceptJobs>(OnAccept);
        Command<SealOpenBatches>(_ => SealOpen(_ => true));
        Command<SealDueBatches>(_ => SealOpen(since => Stopwatch.GetElapsedTime(since) >= _settings.BatchMaxWait));
        Command<LedgerReplies>(OnLegReplies);
        Command<RetryLegs>(_ => ResendLegs());
        Command<WakeSettlement>(_ => { });
        Command<StopSettlementWhenWritten>(_ =>
        {
            _stopWhenWritten = true;
            StopIfWritten();
        });
    }

    public static Props Props(string partitionId, SettlementSettings settings, Func<IActorRef> ledgerRegion) =>
        Akka.Actor.Props.Create(() => new SettlementPartitionActor(partitionId, settings, ledgerRegion));

    private SettlementState Book(string providerId)
    {
        if (!_books.TryGetValue(providerId, out var book)) _books[providerId] = book = SettlementState.Empty(providerId, _settled);
        return book;
    }

    private void Restore(SettlementPartitionSnapshot snapshot)
    {
        foreach (var saved in snapshot.Books)
        {
            var book = SettlementState.FromSnapshot(saved, _settled);
            _books[book.ProviderId] = book;
            foreach (var batchId in book.Unsettled.Keys) _bookOfBatch[batchId] = book;
        }
        foreach (var job in snapshot.SettledWindow) _settled.Restore(job);
    }

    private void Apply(SettlementWritten written)
    {
        foreach (var batch in written.Sealed) Sealed(batch);
        foreach (var settled in written.Settled) Settled(settled);
    }

    private void Sealed(BatchSealed batch)
    {
        var book = Book(batch.Jobs[0].ProviderId);
        book.Apply(batch);
        _bookOfBatch[batch.BatchId] = book;
    }

    private void Settled(BatchSettled settled)
    {
        if (_bookOfBatch.Remove(settled.BatchId, out var book)) book.Apply(settled);
        else throw new InvalidOperationException($"settlement partition {PartitionId}: batch '{settled.BatchId}' settled but was never sealed");
    }

    private void OnAccept(AcceptJobs message)
    {
        var now = Stopwatch.GetTimestamp();
        foreach (var job in message.Jobs)
        {
            if (job.ProviderId is null || SettlementPartitions.EntityIdOf(job.ProviderId, _settings.Partitions) != PartitionId)
            {
                Sender.Tell(new JobRejected(job.JobId, $"provider '{job.ProviderId}' does not belong to settlement partition {PartitionId}"));
                continue;
            }
            var book = Book(job.ProviderId);
            var (_, decision, sealedBatch) = SettlementDecider.Accept(book, job, message.Mode, _settings);
            switch (decision.Outcome)
            {
                case AcceptOutcome.Accepted when sealedBatch is { Mode: not SettlementMode.Batch }: _batchSenders[sealedBatch.BatchId] = [Sender]; break;
                case AcceptOutcome.Accepted: OpenSenders(job.ProviderId).Add(Sender); break;
                case AcceptOutcome.Pending: WaitForResent(job.JobId, Sender); break;
                case AcceptOutcome.Settled: Sender.Tell(new JobsSettled(decision.BatchId, [job.JobId], [])); break;
                default: Sender.Tell(new JobRejected(job.JobId, decision.Reason)); break;
            }
            if (sealedBatch is not null) Seal(sealedBatch);
            if (book.Open.Count == 0) _openSince.Remove(job.ProviderId);
            else _openSince.TryAdd(job.ProviderId, now);
        }
        if (_openSince.Count > 0 && !Timers.IsTimerActive(SealDueBatches.Instance))
            Timers.StartPeriodicTimer(SealDueBatches.Instance, SealDueBatches.Instance, SealCheckInterval(_settings.BatchMaxWait));
        TryWrite();
    }

    /// <summary>Open batches are checked a tenth of the wait apart (10 ms to 1 s): a batch seals at most that late.</summary>
    private static TimeSpan SealCheckInterval(TimeSpan wait) =>
        TimeSpan.FromTicks(Math.Clamp(wait.Ticks / 10, TimeSpan.FromMilliseconds(10).Ticks, TimeSpan.FromSeconds(1).Ticks));

    private void Seal(BatchSealed batch)
    {
        var providerId = batch.Jobs[0].ProviderId;
        _bookOfBatch[batch.BatchId] = Book(providerId);
        // A batch-mode seal takes the whole open batch, whose senders were listed in the same order as its jobs.
        if (batch.Mode == SettlementMode.Batch && _openSenders.Remove(providerId, out var senders)) _batchSenders[batch.BatchId] = senders;
        _pendingSealed.Add(batch);
    }

    private List<IActorRef> OpenSenders(string providerId)
    {
        if (!_openSenders.TryGetValue(providerId, out var senders)) _openSenders[providerId] = senders = [];
        return senders;
    }

    private void WaitForResent(string jobId, IActorRef sender)
    {
        if (!_resentWaiters.TryGetValue(jobId, out var list)) _resentWaiters[jobId] = list = new List<IActorRef>(1);
        if (!list.Contains(sender)) list.Add(sender);
    }

    private void SealOpen(Func<long, bool> due)
    {
        foreach (var (providerId, since) in _openSince.Where(p => due(p.Value)).ToList())
        {
            _openSince.Remove(providerId);
            if (SettlementDecider.SealOpen(_books[providerId]).Sealed is { } sealedBatch) Seal(sealedBatch);
        }
        if (_openSince.Count == 0) Timers.Cancel(SealDueBatches.Instance);
        TryWrite();
    }

    /// <summary>Group commit: everything decided while the last write was in flight goes into the next one.</summary>
    private void TryWrite()
    {
        if (_writing || (_pendingSealed.Count == 0 && _pendingSettled.Count == 0)) return;
        _writing = true;
        var written = new SettlementWritten([.. _pendingSealed], [.. _pendingSettled]);
        _pendingSealed.Clear();
        _pendingSettled.Clear();
        PersistAsync(written, OnDurable);
    }

    private void OnDurable(SettlementWritten written)
    {
        _writing = false;
        StartBatches(written.Sealed);
        foreach (var settled in written.Settled) Finish(settled);
        _jobsSinceSnapshot += JobsIn(written);
        if (_jobsSinceSnapshot >= _settings.SnapshotEveryJobs)
        {
            _jobsSinceSnapshot = 0;
            SaveSnapshot(ToSnapshot());
        }
        TryWrite();
        if (_stopWhenWritten) StopIfWritten();
    }

    private void StopIfWritten()
    {
        if (!_writing && _pendingSealed.Count == 0 && _pendingSettled.Count == 0) Context.Stop(Self);
    }

    private static long JobsIn(SettlementWritten written)
    {
        long jobs = 0;
        foreach (var batch in written.Sealed) jobs += batch.Jobs.Length;
        return jobs;
    }

    /// <summary>The books without the batches still waiting for their write (sealed in memory, not yet durable).</summary>
    private SettlementPartitionSnapshot ToSnapshot()
    {
        var notDurable = _pendingSealed.Select(b => b.BatchId).ToHashSet(StringComparer.Ordinal);
        return new SettlementPartitionSnapshot([.. _books.Values.OrderBy(b => b.ProviderId, StringComparer.Ordinal).Select(b => b.ToSnapshot(notDurable))],
            [.. _settled.Entries()]);
    }

    private void StartBatches(IReadOnlyCollection<BatchSealed> batches)
    {
        var legs = new List<ILedgerCommand>();
        foreach (var batch in batches)
        {
            var progress = new BatchProgress(batch);
            _progress[batch.BatchId] = progress;
            legs.AddRange(progress.OutstandingLegs());
            progress.MarkSent();
        }
        Send(legs);
        if (_progress.Count > 0 && !Timers.IsTimerActive(RetryLegs.Instance))
            Timers.StartPeriodicTimer(RetryLegs.Instance, RetryLegs.Instance, _settings.LegRetryInterval);
    }

    private void OnLegReplies(LedgerReplies replies)
    {
        var next = new List<ILedgerCommand>();
        foreach (var reply in replies.Replies)
        {
            if (!_progress.TryGetValue(reply.Reference, out var progress) || progress.Done) continue;
            if (reply is { Accepted: false, Rejection: LedgerRejectionReason.Overloaded }) continue;
            if (!reply.Accepted && reply.Kind != LedgerCommandKind.Capture)
            {
                Log.Error("settlement partition {0}: leg {1} {2} of batch {3} refused ({4}: {5}); retrying", PartitionId, reply.Kind, reply.AccountId, reply.Reference, reply.Rejection, reply.Detail);
                continue;
            }
            if (progress.Acknowledge(reply, _settings) is { } credits)
            {
                next.AddRange(credits);
                progress.MarkSent();
            }
            if (progress.Done)
            {
                var settled = progress.Settled();
                _pendingSettled.Add(settled);
                // Every leg is durable in the ledger: the batch's money has moved, so its senders hear now rather than
                // after the settle's own write, which only spares recovery from re-sending legs.
                Answer(progress.Batch, settled);
            }
        }
        Send(next);
        TryWrite();
    }

    private void ResendLegs()
    {
        // Only batches that waited a whole interval: the others' legs are still on their way.
        var stale = _progress.Values.Where(p => !p.Done && p.SentLongerAgoThan(_settings.LegRetryInterval)).ToList();
        foreach (var progress in stale) progress.MarkSent();
        Send(stale.SelectMany(p => p.OutstandingLegs()).ToList());
        if (_progress.Count == 0) Timers.Cancel(RetryLegs.Instance);
    }

    private void Finish(BatchSettled settled)
    {
        Settled(settled);
        // Senders that re-sent a job after the batch's answer went out (their first answer crossed) hear again.
        if (_progress.Remove(settled.BatchId, out var progress)) Answer(progress.Batch, settled);
    }

    /// <summary>Answers everyone waiting for a job of the batch (each sender once per job), one message per sender.</summary>
    private void Answer(BatchSealed batch, BatchSettled settled)
    {
        // Made only when someone waits: at settle time, after the answers at the legs, usually no one does.
        Dictionary<IActorRef, List<string>>? answers = null;
        // Most jobs of a batch have the same sender: its list is kept at hand instead of looked up by actor ref each time.
        (IActorRef Sender, List<string> Ids)? last = null;
        _batchSenders.Remove(batch.BatchId, out var senders);
        for (var i = 0; i < batch.Jobs.Length; i++)
        {
            var jobId = batch.Jobs[i].JobId;
            var sender = senders is not null && i < senders.Count ? senders[i] : null;
            if (sender is not null)
            {
                if (last is { } at && ReferenceEquals(at.Sender, sender)) at.Ids.Add(jobId);
                else last = (sender, AddAnswer(answers ??= [], sender, jobId));
            }
            if (_resentWaiters.Count > 0 && _resentWaiters.Remove(jobId, out var others))
                foreach (var other in others.Where(o => !o.Equals(sender))) AddAnswer(answers ??= [], other, jobId);
        }
        if (answers is null) return;
        var failed = settled.FailedJobIds.IsEmpty ? null : settled.FailedJobIds.ToHashSet(StringComparer.Ordinal);
        foreach (var (sender, ids) in answers)
            sender.Tell(failed is null
                ? new JobsSettled(settled.BatchId, [.. ids], [])
                : new JobsSettled(settled.BatchId, [.. ids.Where(id => !failed.Contains(id))], [.. ids.Where(failed.Contains)]));
    }

    private static List<string> AddAnswer(Dictionary<IActorRef, List<string>> answers, IActorRef sender, string jobId)
    {
        if (!answers.TryGetValue(sender, out var ids)) answers[sender] = ids = [];
        ids.Add(jobId);
        return ids;
    }

    private void Send(IReadOnlyCollection<ILedgerCommand> legs)
    {
        if (legs.Count == 0) return;
        foreach (var message in LedgerPartitions.Route(legs, _settings.LedgerPartitions)) _ledgerRegion().Tell(message, Self);
    }

    /// <summary>The legs of one sealed batch while they move: captures first, credits once every capture is answered.</summary>
    private sealed class BatchProgress(BatchSealed batch)
    {
        private readonly Dictionary<string, ILedgerCommand> _captures =
            SettlementDecider.CaptureLegs(batch).ToDictionary(c => c.AccountId, StringComparer.Ordinal);
        private readonly HashSet<string> _failedConsumers = new(StringComparer.Ordinal);
        // Credit and burn legs by (kind, account): a batch pays each account once, under the batch id as reference.
        private Dictionary<(LedgerCommandKind, string), ILedgerCommand>? _credits;
        private CreditPlan? _plan;
        private long _lastSentTimestamp;

        public BatchSealed Batch => batch;

        public void MarkSent() => _lastSentTimestamp = Stopwatch.GetTimestamp();

        public bool SentLongerAgoThan(TimeSpan interval) => Stopwatch.GetElapsedTime(_lastSentTimestamp) >= interval;

        public bool Done => _plan is not null && _credits!.Count == 0;

        public IEnumerable<ILedgerCommand> OutstandingLegs() => _credits is null ? _captures.Values : _credits.Values;

        /// <summary>Records one answer; returns the credit legs when it was the last capture answer.</summary>
        public IReadOnlyCollection<ILedgerCommand>? Acknowledge(LedgerReply reply, SettlementSettings settings)
        {
            if (reply.Kind == LedgerCommandKind.Capture)
            {
                if (_credits is not null || !_captures.Remove(reply.AccountId)) return null;
                if (!reply.Accepted) _failedConsumers.Add(reply.AccountId);
                if (_captures.Count > 0) return null;
                _plan = SettlementDecider.CreditLegs(batch, _failedConsumers, settings.Fees, settings.TreasuryAccountId);
                _credits = _plan.Legs.ToDictionary(l => (l.Kind, l.AccountId));
                return _plan.Legs;
            }
            _credits?.Remove((reply.Kind, reply.AccountId));
            return null;
        }

        public BatchSettled Settled() => new(batch.BatchId, _plan!.FailedJobIds, _plan.Captured, _plan.Credited, _plan.Burned);
    }
}
