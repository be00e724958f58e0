using System.Diagnostics;
using System.Runtime.InteropServices;
using Akka.Actor;
using Akka.Configuration;
using Zone.Inference.Execution;
using Zone.Inference.Runtime;
using Zone.Inference.Zoo;

namespace Zone.Inference.Worker;

/// <summary>
/// Serves one model on one device. Requests are validated on arrival (bad ones are rejected at once and
/// the worker keeps serving), queued up to <see cref="InferenceWorkerSettings.MaxQueueLength"/> (beyond it
/// they are rejected, never dropped silently), and run in batches of up to
/// <see cref="InferenceWorkerSettings.MaxBatchSize"/> as one forward pass. The forward pass runs on the
/// thread of <see cref="TorchDispatcher"/>: the model is not thread-safe, and one batch at a time is what a device does anyway.
/// Jobs come one per <see cref="Infer"/> or many per <see cref="InferMany"/>; every reply is sent after the
/// forward pass, so the requesters' work does not take a core from libtorch's threads during the pass.
/// The worker owns the model and disposes it when it stops.
/// </summary>
public sealed class InferenceWorker : ReceiveActor, IWithTimers
{
    /// <param name="Grouped">The job came in an <see cref="InferMany"/> and its completion goes back in an <see cref="InferManyCompleted"/>.</param>
    private readonly record struct Pending(Infer Request, IActorRef ReplyTo, long ArrivedTimestamp, bool Grouped);

    private sealed record Drain
    {
        public static readonly Drain Instance = new();
    }

    private readonly IInferenceModel _model;
    private readonly InferenceWorkerSettings _settings;
    private readonly Queue<Pending> _queue = new();
    private readonly long _maxWaitTicks;
    private bool _drainPending, _drainTimerPending;
    private long _completed, _rejected, _batches;

    public ITimerScheduler Timers { get; set; } = null!;

    public InferenceWorker(IInferenceModel model, InferenceWorkerSettings settings)
    {
        _model = model;
        _settings = settings.Validated();
        _maxWaitTicks = settings.MaxWaitMicros * Stopwatch.Frequency / 1_000_000;
        Receive<Infer>(request => Accept(request, Sender, grouped: false));
        Receive<InferMany>(OnInferMany);
        Receive<Drain>(_ => OnDrain());
        Receive<GetWorkerStatus>(_ => Sender.Tell(new WorkerStatus(_model.Spec.Id, _queue.Count, _completed, _rejected, _batches, _settings)));
    }

    /// <summary>
    /// The dispatcher every worker of a process runs on: one dedicated thread, shared by all workers. libtorch's
    /// OpenMP keeps a team of threads per calling thread, so on the shared pool a forward pass would hop between
    /// threads and start (and leave spinning) a team on each, which measured far slower than the raw pass. And
    /// with a thread per worker the process runs more OpenMP threads than it has cores, libgomp then cuts the spin
    /// of a team's idle helpers to ~1,000 iterations, and every pass begins by waking a parked helper: measured on
    /// fashion-mlp (64 rows, 2 cores), a worker's pass took 229-255 µs beside another thread's team against a
    /// 203-213 µs raw pass, and 203-217 µs on one shared thread. On a CPU device a pass uses every core anyway, so
    /// passes of different models run one after another rather than side by side.
    /// </summary>
    public const string TorchDispatcher = "zone.inference.torch-dispatcher";

    /// <summary>
    /// The configuration of <see cref="TorchDispatcher"/>, which an ActorSystem that hosts workers must include.
    /// Throughput 10: a worker holds the thread for at most ten messages (a pass each, at most) before another
    /// model's worker runs.
    /// </summary>
    public static Config DispatcherConfig { get; } = ConfigurationFactory.ParseString($$"""
        {{TorchDispatcher}} {
          type = ForkJoinDispatcher
          throughput = 10
          dedicated-thread-pool { thread-count = 1, threadtype = background }
        }
        """);

    /// <summary>Serves an already loaded model (a zoo model or a registered TorchScript model); the worker takes ownership.</summary>
    public static Props Props(IInferenceModel model, InferenceWorkerSettings settings) =>
        Akka.Actor.Props.Create(() => new InferenceWorker(model, settings)).WithDispatcher(TorchDispatcher);

    /// <summary>Loads zoo model <paramref name="modelId"/> (hash-verified) on the device named by <paramref name="settings"/> and serves it.</summary>
    public static Props ForZooModel(string modelId, string modelsDirectory, InferenceWorkerSettings settings) =>
        Akka.Actor.Props.Create(() => new InferenceWorker(ModelZoo.Load(modelId, modelsDirectory, InferenceDevice.Resolve(settings.Device)), settings))
            .WithDispatcher(TorchDispatcher);

    protected override void PreStart()
    {
        if (_settings.Threads > 0) TorchBackend.SetThreads(_settings.Threads);
    }

    protected override void PostStop() => _model.Dispose();

    private void OnInferMany(InferMany many)
    {
        foreach (var request in many.Jobs) Accept(request, Sender, grouped: true);
    }

    /// <summary>Queues one job, or rejects it alone: the queue bound counts jobs, not messages.</summary>
    private void Accept(Infer request, IActorRef replyTo, bool grouped)
    {
        if (_model.Validate(request.Input) is { } reason)
        {
            Reject(replyTo, request, RejectionReason.InvalidInput, reason);
            return;
        }
        if (_queue.Count >= _settings.MaxQueueLength)
        {
            Reject(replyTo, request, RejectionReason.QueueFull, $"queue holds its maximum of {_settings.MaxQueueLength} jobs; retry later or use another provider");
            return;
        }
        _queue.Enqueue(new Pending(request, replyTo, Stopwatch.GetTimestamp(), grouped));
        ScheduleDrain();
    }

    private void OnDrain()
    {
        _drainPending = _drainTimerPending = false;
        if (_queue.Count == 0) return;
        if (RemainingWaitTicks() > 0)
        {
            ScheduleDrain();
            return;
        }
        RunBatch();
        if (_queue.Count > 0) ScheduleDrain();
    }

    /// <summary>
    /// Batches run only on a Drain message. Told to self, it queues behind the requests already in the
    /// mailbox, so they all join the queue (or are rejected against its bound) before the next batch runs.
    /// A partial batch younger than max-wait waits on a timer, cut short once a full batch is queued.
    /// </summary>
    private void ScheduleDrain()
    {
        var remaining = RemainingWaitTicks();
        if (_drainTimerPending && remaining == 0)
        {
            Timers.Cancel(Drain.Instance);
            _drainPending = _drainTimerPending = false;
        }
        if (_drainPending) return;
        _drainPending = true;
        if (remaining == 0) Self.Tell(Drain.Instance);
        else
        {
            _drainTimerPending = true;
            Timers.StartSingleTimer(Drain.Instance, Drain.Instance, TimeSpan.FromTicks(remaining * TimeSpan.TicksPerSecond / Stopwatch.Frequency));
        }
    }

    private long RemainingWaitTicks()
    {
        if (_queue.Count == 0 || _queue.Count >= _settings.MaxBatchSize || _maxWaitTicks == 0) return 0;
        return Math.Max(0, _maxWaitTicks - (Stopwatch.GetTimestamp() - _queue.Peek().ArrivedTimestamp));
    }

    private void RunBatch()
    {
        var batch = new Pending[Math.Min(_queue.Count, _settings.MaxBatchSize)];
        for (var i = 0; i < batch.Length; i++) batch[i] = _queue.Dequeue();
        var started = Stopwatch.GetTimestamp();
        IReadOnlyList<InferenceOutput> outputs;
        try
        {
            outputs = _model.Execute(batch.Select(p => p.Request.Input).ToArray());
        }
        catch (Exception e) when (e is ExternalException or ArgumentException or InvalidOperationException)
        {
            foreach (var pending in batch) Reject(pending.ReplyTo, pending.Request, RejectionReason.ExecutionFailed, TorchBackend.FirstLine(e.Message));
            return;
        }
        _batches++;
        _completed += batch.Length;
        Reply(batch, outputs, started, MicrosBetween(started, Stopwatch.GetTimestamp()), (long)_model.LastForwardTime.TotalMicroseconds);
    }

    /// <summary>A single job gets its own reply; grouped jobs get one reply per sender for the whole batch.</summary>
    private void Reply(Pending[] batch, IReadOnlyList<InferenceOutput> outputs, long startedTimestamp, long computeMicros, long forwardMicros)
    {
        // A batch holds at most 256 jobs and usually a few senders: a linear scan finds a sender's group.
        List<(IActorRef ReplyTo, List<InferenceCompleted> Jobs)>? groups = null;
        for (var i = 0; i < batch.Length; i++)
        {
            var pending = batch[i];
            var completed = new InferenceCompleted(pending.Request.JobId, _model.Spec.Id, _model.Spec.WeightsSha256, outputs[i],
                MicrosBetween(pending.ArrivedTimestamp, startedTimestamp), computeMicros, forwardMicros, batch.Length);
            if (!pending.Grouped)
            {
                pending.ReplyTo.Tell(completed);
                continue;
            }
            groups ??= [];
            var group = 0;
            while (group < groups.Count && !groups[group].ReplyTo.Equals(pending.ReplyTo)) group++;
            if (group == groups.Count) groups.Add((pending.ReplyTo, [completed]));
            else groups[group].Jobs.Add(completed);
        }
        if (groups is null) return;
        foreach (var (replyTo, jobs) in groups) replyTo.Tell(new InferManyCompleted(jobs));
    }

    private void Reject(IActorRef replyTo, Infer request, RejectionReason reason, string detail)
    {
        _rejected++;
        replyTo.Tell(new InferenceRejected(request.JobId, _model.Spec.Id, reason, detail));
    }

    private static long MicrosBetween(long fromTimestamp, long toTimestamp) => (toTimestamp - fromTimestamp) * 1_000_000 / Stopwatch.Frequency;
}
