using System.Collections.Immutable;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Zone.Actors.Money;
using Zone.Actors.Sharding;

namespace Zone.Actors.Ledger;

/// <summary>
/// One ledger partition: the balances of every account hashed to it. Group commit: commands that arrive while a
/// write is in flight queue up (bounded) and are decided together into the next single event. Replies leave only
/// after the write is durable. Transfer and slash credits for other accounts wait in an outbox until acknowledged.
/// The actor owns its state mutably and decides each group on it in place while the write is in flight; nothing of
/// that group leaves the actor (replies, outbox credits, balances) before the write is durable, and a failed or
/// rejected write stops the actor, so its next incarnation rebuilds the state from the journal.
/// </summary>
public sealed class LedgerPartitionActor : PersistentPartitionActor
{
    private sealed record RetryOutbox
    {
        public static readonly RetryOutbox Instance = new();
    }

    private readonly LedgerSettings _settings;
    private readonly Func<IActorRef> _ledgerRegion;
    private readonly Queue<(LedgerCommands Message, IActorRef Sender)> _queue = new();
    private readonly HashSet<string> _acknowledgedCredits = new(StringComparer.Ordinal);
    private readonly List<IActorRef> _balanceAskers = [];
    private LedgerState.Builder _state;
    private bool _resendAfterWrite;
    private int _queuedCommands;
    private long _commandsSinceSnapshot;
    private bool _writing;

    public LedgerPartitionActor(string partitionId, LedgerSettings settings, Func<IActorRef> ledgerRegion)
        : base(partitionId, LedgerPartitions.PersistenceIdOf(partitionId))
    {
        _settings = settings;
        _ledgerRegion = ledgerRegion;
        _state = new LedgerState.Builder(settings.Rules.DedupWindowEntries);
        Recover<SnapshotOffer>(offer => _state = LedgerState.Builder.FromSnapshot((LedgerPartitionSnapshot)offer.Snapshot, _settings.Rules.DedupWindowEntries));
        Recover<LedgerEntriesWritten>(written =>
        {
            _state.Apply(written, _settings.Rules);
            _state.AddedCredits.Clear();
            _commandsSinceSnapshot += written.Entries.Length + written.DeliveredCredits.Length;
        });
        Recover<RecoveryCompleted>(_ => ResendOutbox());
        Command<LedgerCommands>(Enqueue);
        Command<LedgerReplies>(OnCreditAcknowledged);
        Command<RetryOutbox>(_ => ResendOutbox());
        Command<GetPartitionBalances>(_ =>
        {
            // While a write is in flight the state holds its undurable effects: answer once it is durable.
            if (_writing) _balanceAskers.Add(Sender);
            else Sender.Tell(Balances());
        });
        Command<WakeLedgerPartition>(_ => { });
    }

    public static Props Props(string partitionId, LedgerSettings settings, Func<IActorRef> ledgerRegion) =>
        Akka.Actor.Props.Create(() => new LedgerPartitionActor(partitionId, settings, ledgerRegion));

    private void Enqueue(LedgerCommands message)
    {
        if (_queuedCommands + message.Commands.Length > _settings.MaxQueuedCommands)
        {
            var detail = $"partition {PartitionId} has {_queuedCommands} commands queued (bound {_settings.MaxQueuedCommands})";
            Sender.Tell(new LedgerReplies(PartitionId, message.Commands.Select(c => LedgerReply.Reject(c, LedgerRejectionReason.Overloaded, detail)).ToImmutableArray()));
            return;
        }
        _queue.Enqueue((message, Sender));
        _queuedCommands += message.Commands.Length;
        TryWrite();
    }

    private void OnCreditAcknowledged(LedgerReplies replies)
    {
        foreach (var reply in replies.Replies)
        {
            if (reply.Accepted && _state.Outbox.ContainsKey(reply.Reference)) _acknowledgedCredits.Add(reply.Reference);
            else if (!reply.Accepted && reply.Rejection != LedgerRejectionReason.Overloaded)
                Log.Error("ledger partition {0}: credit {1} to {2} refused ({3}: {4}); it stays in flight and is retried",
                    PartitionId, reply.Reference, reply.AccountId, reply.Rejection, reply.Detail);
        }
        TryWrite();
    }

    /// <summary>Decides everything queued (up to the write bound) against one working copy and writes it as one event.</summary>
    private void TryWrite()
    {
        while (!_writing && (_queue.Count > 0 || _acknowledgedCredits.Count > 0)) DecideAndWrite();
    }

    private void DecideAndWrite()
    {
        var builder = _state;
        builder.AddedCredits.Clear();
        var (entries, answers) = DecideQueued(builder);
        var delivered = ImmutableArray<string>.Empty;
        if (_acknowledgedCredits.Count > 0)
        {
            var keys = new List<string>(_acknowledgedCredits.Count);
            foreach (var key in _acknowledgedCredits)
                if (builder.Outbox.Remove(key)) keys.Add(key);
            keys.Sort(StringComparer.Ordinal);
            delivered = [.. keys];
            _acknowledgedCredits.Clear();
        }
        if (entries.IsEmpty && delivered.IsEmpty)
        {
            // Only rejections and repeats: nothing to write, and nothing changed that needs to be durable.
            Answer(answers);
            return;
        }
        _writing = true;
        var added = builder.AddedCredits.Count == 0 ? [] : builder.AddedCredits.ToArray();
        builder.AddedCredits.Clear();
        PersistAsync(new LedgerEntriesWritten(entries, delivered), written => OnWritten(written, added, answers));
    }

    private (ImmutableArray<LedgerEntry> Entries, List<(IActorRef, ImmutableArray<LedgerReply>)> Answers) DecideQueued(LedgerState.Builder builder)
    {
        var entries = ImmutableArray.CreateBuilder<LedgerEntry>();
        var answers = new List<(IActorRef, ImmutableArray<LedgerReply>)>();
        var decided = 0;
        while (_queue.Count > 0 && (decided == 0 || decided + _queue.Peek().Message.Commands.Length <= _settings.MaxCommandsPerWrite))
        {
            var (message, sender) = _queue.Dequeue();
            _queuedCommands -= message.Commands.Length;
            decided += message.Commands.Length;
            var replies = ImmutableArray.CreateBuilder<LedgerReply>(message.Commands.Length);
            foreach (var command in message.Commands) replies.Add(DecideOne(builder, command, entries));
            answers.Add((sender, replies.MoveToImmutable()));
        }
        return (entries.ToImmutable(), answers);
    }

    private LedgerReply DecideOne(LedgerState.Builder builder, ILedgerCommand command, ImmutableArray<LedgerEntry>.Builder entries)
    {
        if (command.AccountId is null || LedgerPartitions.EntityIdOf(command.AccountId, _settings.Partitions) != PartitionId)
            return LedgerReply.Reject(command, LedgerRejectionReason.WrongPartition, $"account '{command.AccountId}' does not belong to partition {PartitionId}");
        var decision = LedgerDecider.Decide(builder, command, _settings.Rules);
        if (decision.Entry is { } entry)
        {
            LedgerDecider.ApplyDecided(builder, entry, _settings.Rules);
            entries.Add(entry);
        }
        return decision.Reply;
    }

    private void OnWritten(LedgerEntriesWritten written, OutboxCredit[] added, List<(IActorRef, ImmutableArray<LedgerReply>)> answers)
    {
        _writing = false;
        Answer(answers);
        // Only now may the write's credits leave: a credit sent before its debit is durable could be paid with no debit after a crash.
        if (_resendAfterWrite)
        {
            _resendAfterWrite = false;
            ResendOutbox();
        }
        else if (added.Length > 0) SendCredits(added);
        if (_balanceAskers.Count > 0)
        {
            var balances = Balances();
            foreach (var asker in _balanceAskers) asker.Tell(balances);
            _balanceAskers.Clear();
        }
        _commandsSinceSnapshot += written.Entries.Length + written.DeliveredCredits.Length;
        if (_commandsSinceSnapshot >= _settings.SnapshotEveryCommands)
        {
            _commandsSinceSnapshot = 0;
            SaveSnapshot(_state.ToSnapshot());
        }
        TryWrite();
    }

    private void Answer(List<(IActorRef Sender, ImmutableArray<LedgerReply> Replies)> answers)
    {
        foreach (var (sender, replies) in answers) sender.Tell(new LedgerReplies(PartitionId, replies), Self);
    }

    private void ResendOutbox()
    {
        if (_writing)
        {
            // The outbox holds credits of the write in flight: they may leave only once it is durable.
            _resendAfterWrite = true;
            return;
        }
        SendCredits(_state.Outbox.Values);
        if (_state.Outbox.Count == 0) Timers.Cancel(RetryOutbox.Instance);
        else if (!Timers.IsTimerActive(RetryOutbox.Instance)) Timers.StartPeriodicTimer(RetryOutbox.Instance, RetryOutbox.Instance, _settings.OutboxRetryInterval);
    }

    private void SendCredits(IEnumerable<OutboxCredit> credits)
    {
        var any = false;
        foreach (var message in LedgerPartitions.Route(credits.Select(c => (ILedgerCommand)c.ToCommand()), _settings.Partitions))
        {
            _ledgerRegion().Tell(message, Self);
            any = true;
        }
        if (any && !Timers.IsTimerActive(RetryOutbox.Instance)) Timers.StartPeriodicTimer(RetryOutbox.Instance, RetryOutbox.Instance, _settings.OutboxRetryInterval);
    }

    private PartitionBalances Balances()
    {
        return new(PartitionId, _state.AccountSnapshots(), _state.InFlight, _state.Minted, _state.Burned);
    }
}
