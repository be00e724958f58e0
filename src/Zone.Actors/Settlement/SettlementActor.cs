using System.Collections.Immutable;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Zone.Actors.Ledger;

namespace Zone.Actors.Settlement;

/// <summary>
/// One provider's settlement. A batch is journaled (<see cref="BatchSealed"/>) before any leg is sent; then its
/// captures go to the consumers' partitions, and once all are answered its credits go to the payees' partitions.
/// Legs are idempotent (reference = batch id) and re-sent until acknowledged; on recovery every unsettled batch
/// starts over from its captures, whose repeats return their first answers. Journal writes group-commit.
/// </summary>
public sealed class SettlementActor : ReceivePersistentActor, IWithTimers
{
    private sealed record SealOpenBatch
    {
        public static readonly SealOpenBatch Instance = new();
    }

    private sealed record RetryLegs
    {
        public static readonly RetryLegs Instance = new();
    }

    private sealed record WriteDurable(ImmutableArray<object> Events);

    private readonly string _providerId;
    private readonly SettlementSettings _settings;
    private readonly Func<IActorRef> _ledgerRegion;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    // Who waits for each job's answer: almost always one sender, so a second table holds only the rare extra ones.
    private readonly Dictionary<string, IActorRef> _waiters = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<IActorRef>> _extraWaiters = new(StringComparer.Ordinal);
    private readonly Dictionary<string, BatchProgress> _progress = new(StringComparer.Ordinal);
    private readonly List<object> _pending = [];
    private SettlementState _state;
    private bool _writing;

    public SettlementActor(string providerId, SettlementSettings settings, Func<IActorRef> ledgerRegion)
    {
        _providerId = providerId;
        _settings = settings;
        _ledgerRegion = ledgerRegion;
        _state = SettlementState.Empty(providerId);
        Recover<SnapshotOffer>(offer => _state = SettlementState.FromSnapshot(_providerId, (SettlementSnapshot)offer.Snapshot, _settings.SettledWindowJobs));
        Recover<BatchSealed>(sealedBatch => _state = _state.Apply(sealedBatch));
        Recover<BatchSettled>(settled => _state = _state.Apply(settled, _settings.SettledWindowJobs));
        Recover<RecoveryCompleted>(_ => StartBatches(_state.Unsettled.Values));
        Command<AcceptJobs>(OnAccept);
        Command<SealOpenBatch>(_ => SealOpen());
        Command<LedgerReplies>(OnLegReplies);
        Command<RetryLegs>(_ => ResendLegs());
        Command<WriteDurable>(OnDurable);
        Command<WakeSettlement>(_ => { });
        // Only the newest snapshot is ever loaded: older ones would grow the store without bound.
        Command<SaveSnapshotSuccess>(saved => DeleteSnapshots(new SnapshotSelectionCriteria(saved.Metadata.SequenceNr - 1)));
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(f => _log.Warning(f.Cause, "old snapshots could not be deleted; they are harmless"));
        Command<SaveSnapshotFailure>(f => _log.Warning(f.Cause, "settlement {0}: snapshot failed", _providerId));
    }

    public static Props Props(string providerId, SettlementSettings settings, Func<IActorRef> ledgerRegion) =>
        Akka.Actor.Props.Create(() => new SettlementActor(providerId, settings, ledgerRegion));

    public const string PersistencePrefix = "settlement-";

    public override string PersistenceId => PersistencePrefix + _providerId;

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        base.OnPersistRejected(cause, @event, sequenceNr);
        // The state already holds the rejected write's batches: stop, and let the next incarnation recover from the journal.
        Context.Stop(Self);
    }

    private void OnAccept(AcceptJobs message)
    {
        foreach (var job in message.Jobs)
        {
            var (state, decision, sealedBatch) = SettlementDecider.Accept(_state, job, message.Mode, _settings);
            _state = state;
            switch (decision.Outcome)
            {
                case AcceptOutcome.Accepted or AcceptOutcome.Pending: Wait(job.JobId, Sender); break;
                case AcceptOutcome.Settled: Sender.Tell(new JobsSettled(decision.BatchId, [job.JobId], [])); break;
                default: Sender.Tell(new JobRejected(job.JobId, decision.Reason)); break;
            }
            if (sealedBatch is not null) _pending.Add(sealedBatch);
        }
        if (_state.Open.Count == 0) Timers.Cancel(SealOpenBatch.Instance);
        else if (!Timers.IsTimerActive(SealOpenBatch.Instance)) Timers.StartSingleTimer(SealOpenBatch.Instance, SealOpenBatch.Instance, _settings.BatchMaxWait);
        TryWrite();
    }

    private void Wait(string jobId, IActorRef sender)
    {
        if (!_waiters.TryGetValue(jobId, out var first))
        {
            _waiters[jobId] = sender;
            return;
        }
        if (first.Equals(sender)) return;
        if (!_extraWaiters.TryGetValue(jobId, out var list)) _extraWaiters[jobId] = list = new List<IActorRef>(1);
        if (!list.Contains(sender)) list.Add(sender);
    }

    private void SealOpen()
    {
        var (state, sealedBatch) = SettlementDecider.SealOpen(_state);
        _state = state;
        if (sealedBatch is not null) _pending.Add(sealedBatch);
        TryWrite();
    }

    /// <summary>Group commit: everything decided while the last write was in flight goes into the next one.</summary>
    private void TryWrite()
    {
        if (_writing || _pending.Count == 0) return;
        _writing = true;
        var events = _pending.ToImmutableArray();
        _pending.Clear();
        PersistAllAsync(events, _ => { });
        DeferAsync(new WriteDurable(events), OnDurable);
    }

    private void OnDurable(WriteDurable written)
    {
        _writing = false;
        StartBatches(written.Events.OfType<BatchSealed>());
        foreach (var settled in written.Events.OfType<BatchSettled>()) Finish(settled);
        if (LastSequenceNr / _settings.SnapshotEveryEvents != (LastSequenceNr - written.Events.Length) / _settings.SnapshotEveryEvents)
            SaveSnapshot(_state.ToSnapshot(_pending.OfType<BatchSealed>().Select(b => b.BatchId).ToHashSet(StringComparer.Ordinal)));
        TryWrite();
    }

    private void StartBatches(IEnumerable<BatchSealed> batches)
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
                _log.Error("settlement {0}: leg {1} {2} of batch {3} refused ({4}: {5}); retrying", _providerId, reply.Kind, reply.AccountId, reply.Reference, reply.Rejection, reply.Detail);
                continue;
            }
            if (progress.Acknowledge(reply, _settings) is { } credits)
            {
                next.AddRange(credits);
                progress.MarkSent();
            }
            if (progress.Done) _pending.Add(progress.Settled());
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
        _state = _state.Apply(settled, _settings.SettledWindowJobs);
        if (!_progress.Remove(settled.BatchId, out var progress)) return;
        var failed = settled.FailedJobIds.IsEmpty ? null : settled.FailedJobIds.ToHashSet(StringComparer.Ordinal);
        var answers = new Dictionary<IActorRef, List<string>>();
        foreach (var job in progress.Batch.Jobs)
        {
            if (!_waiters.Remove(job.JobId, out var sender)) continue;
            AddAnswer(answers, sender, job.JobId);
            if (_extraWaiters.Remove(job.JobId, out var others))
                foreach (var other in others) AddAnswer(answers, other, job.JobId);
        }
        foreach (var (sender, ids) in answers)
            sender.Tell(failed is null
                ? new JobsSettled(settled.BatchId, [.. ids], [])
                : new JobsSettled(settled.BatchId, [.. ids.Where(id => !failed.Contains(id))], [.. ids.Where(failed.Contains)]));
    }

    private static void AddAnswer(Dictionary<IActorRef, List<string>> answers, IActorRef sender, string jobId)
    {
        if (!answers.TryGetValue(sender, out var ids)) answers[sender] = ids = [];
        ids.Add(jobId);
    }

    private void Send(IReadOnlyCollection<ILedgerCommand> legs)
    {
        if (legs.Count == 0) return;
        foreach (var group in legs.GroupBy(l => LedgerPartitions.EntityIdOf(l.AccountId, _settings.LedgerPartitions)))
            _ledgerRegion().Tell(new LedgerCommands(group.Key, group.ToImmutableArray()), Self);
    }

    /// <summary>The legs of one sealed batch while they move: captures first, credits once every capture is answered.</summary>
    private sealed class BatchProgress(BatchSealed batch)
    {
        private readonly Dictionary<string, ILedgerCommand> _captures =
            SettlementDecider.CaptureLegs(batch).ToDictionary(c => c.AccountId, StringComparer.Ordinal);
        private readonly HashSet<string> _failedConsumers = new(StringComparer.Ordinal);
        private Dictionary<DedupKey, ILedgerCommand>? _credits;
        private CreditPlan? _plan;
        private long _lastSentTimestamp;

        public BatchSealed Batch => batch;

        public void MarkSent() => _lastSentTimestamp = System.Diagnostics.Stopwatch.GetTimestamp();

        public bool SentLongerAgoThan(TimeSpan interval) => System.Diagnostics.Stopwatch.GetElapsedTime(_lastSentTimestamp) >= interval;

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
                _credits = _plan.Legs.ToDictionary(DedupKey.Of);
                return _plan.Legs;
            }
            _credits?.Remove(new DedupKey(reply.Kind, reply.AccountId, reply.Reference));
            return null;
        }

        public BatchSettled Settled() => new(batch.BatchId, _plan!.FailedJobIds, _plan.Captured, _plan.Credited, _plan.Burned);
    }
}
