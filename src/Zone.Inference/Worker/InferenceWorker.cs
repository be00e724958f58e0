using System.Diagnostics;
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
/// <see cref="InferenceWorkerSettings.MaxBatchSize"/> as one forward pass on a free <see cref="ExecutionLane"/>.
/// Each lane has its own copy of the model (a model is not thread-safe) and runs on a thread of <see cref="TorchDispatcher"/>,
/// so a worker with two lanes runs two batches at once. Jobs come one per <see cref="Infer"/> or many per
/// <see cref="InferMany"/>; a lane answers its batch's requesters itself, after the forward pass, so the requesters'
/// work does not take a core from libtorch during the pass. The worker owns its lanes, and they their models.
/// </summary>
public sealed class InferenceWorker : ReceiveActor, IWithTimers
{
    private sealed record Drain
    {
        public static readonly Drain Instance = new();
    }

    private readonly IInferenceModel _validator;
    private readonly InferenceWorkerSettings _settings;
    private readonly Queue<AcceptedJob> _queue = new();
    private readonly Stack<IActorRef> _idleLanes = new();
    private readonly long _maxWaitTicks;
    private readonly int _lanes;
    private bool _drainPending, _drainTimerPending;
    private long _completed, _rejected, _batches;
    private long? _lastSaturatedTimestamp;

    /// <summary>
    /// How long after every lane was last busy at once the worker still counts as under load, and keeps giving a lane only
    /// its share of the cores even when the other lanes happen to be idle. Under a steady load a lane now and then starts
    /// while the others are between batches; with every core it forms an OpenMP team whose helper then competes with the
    /// next lane's pass. Measured on fashion-mlp (2 lanes, 2 cores, four interleaved pairs of `zone bench inference`):
    /// 3-6 % of the batches started so, and the worker served 0.818-0.861 of the raw limit against 0.865-0.880 with one thread
    /// per lane throughout. Far longer than the gaps between batches under load, far shorter than a pause a user notices.
    /// </summary>
    private static readonly TimeSpan LoadMemory = TimeSpan.FromMilliseconds(50);

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="replicas">One copy of the same model per lane (checked by <see cref="Props(IReadOnlyList{IInferenceModel}, InferenceWorkerSettings)"/>); the worker takes ownership.</param>
    public InferenceWorker(IReadOnlyList<IInferenceModel> replicas, InferenceWorkerSettings settings)
    {
        // Validation reads only the model's spec, so one copy validates while the lanes run.
        _validator = replicas[0];
        _settings = settings.Validated();
        _maxWaitTicks = settings.MaxWaitMicros * Stopwatch.Frequency / 1_000_000;
        _lanes = replicas.Count;
        for (var i = 0; i < _lanes; i++) _idleLanes.Push(Context.ActorOf(ExecutionLane.Props(replicas[i]), $"lane-{i}"));
        Receive<Infer>(request => Accept(request, Sender, grouped: false));
        Receive<InferMany>(OnInferMany);
        Receive<Drain>(_ => OnDrain());
        Receive<BatchFinished>(OnBatchFinished);
        Receive<GetWorkerStatus>(_ => Sender.Tell(new WorkerStatus(_validator.Spec.Id, _queue.Count, _completed, _rejected, _batches,
            _lanes, BusyLanes, _settings)));
    }

    /// <summary>
    /// The dispatcher every worker and every lane of a process runs on: one dedicated thread per lane of a worker
    /// (<see cref="InferenceWorkerSettings.LanesOn"/>), shared by all workers. The workers run here too, so a lone job
    /// reaches its lane without waking a thread of the .NET pool (measured: 35-40 µs added latency against 55-68 µs on
    /// the pool, fashion-mlp); the price is that while every thread runs a pass, new jobs wait for the first pass to end.
    /// libtorch's OpenMP keeps a team of threads per calling thread, so on the shared .NET pool a pass would hop between
    /// threads and start (and leave spinning) a team on each; and with more OpenMP threads than cores, libgomp cuts the
    /// spin of a team's idle helpers to ~1,000 iterations and every pass begins by waking a parked helper: measured on
    /// fashion-mlp (64 rows, 2 cores), a pass took 229-255 µs beside another thread's team against a 203-213 µs raw pass,
    /// and 203-217 µs on one shared thread.
    /// So libtorch is called from at most that many threads however many models a node serves, and passes of different
    /// models take turns on those threads rather than running side by side.
    /// </summary>
    public const string TorchDispatcher = "zone.inference.torch-dispatcher";

    /// <summary>
    /// The configuration of <see cref="TorchDispatcher"/> with <paramref name="lanes"/> threads, which an ActorSystem that
    /// hosts workers must include. Throughput 10: a lane holds its thread for at most ten batches before another runs.
    /// </summary>
    public static Config DispatcherConfig(int lanes) => ConfigurationFactory.ParseString($$"""
        {{TorchDispatcher}} {
          type = ForkJoinDispatcher
          throughput = 10
          dedicated-thread-pool { thread-count = {{lanes}}, threadtype = background }
        }
        """);

    /// <summary>Serves an already loaded model (a zoo model or a registered TorchScript model) in one lane; the worker takes ownership.</summary>
    public static Props Props(IInferenceModel model, InferenceWorkerSettings settings) => Props([model], settings);

    /// <summary>Serves copies of one model, a lane each; the worker takes ownership.</summary>
    public static Props Props(IReadOnlyList<IInferenceModel> replicas, InferenceWorkerSettings settings)
    {
        if (replicas.Count == 0) throw new ArgumentException("a worker needs at least one copy of its model", nameof(replicas));
        if (replicas.Any(r => r.Spec.Id != replicas[0].Spec.Id || r.Spec.WeightsSha256 != replicas[0].Spec.WeightsSha256))
            throw new ArgumentException($"a worker's lanes must all hold model {replicas[0].Spec.Id} with weights {replicas[0].Spec.WeightsSha256}", nameof(replicas));
        return Akka.Actor.Props.Create(() => new InferenceWorker(replicas, settings)).WithDispatcher(TorchDispatcher);
    }

    /// <summary>
    /// Loads zoo model <paramref name="modelId"/> (hash-verified) on the device named by <paramref name="settings"/>, once per
    /// lane, and serves it.
    /// </summary>
    public static Props ForZooModel(string modelId, string modelsDirectory, InferenceWorkerSettings settings) =>
        Akka.Actor.Props.Create(() => new InferenceWorker(LoadReplicas(modelId, modelsDirectory, settings), settings)).WithDispatcher(TorchDispatcher);

    private static IInferenceModel[] LoadReplicas(string modelId, string modelsDirectory, InferenceWorkerSettings settings)
    {
        var device = InferenceDevice.Resolve(settings.Device);
        return Enumerable.Range(0, settings.LanesOn(device.type)).Select(_ => ModelZoo.Load(modelId, modelsDirectory, device)).ToArray();
    }

    private void OnInferMany(InferMany many)
    {
        foreach (var request in many.Jobs) Accept(request, Sender, grouped: true);
    }

    /// <summary>Queues one job, or rejects it alone: the queue bound counts jobs, not messages.</summary>
    private void Accept(Infer request, IActorRef replyTo, bool grouped)
    {
        if (_validator.Validate(request.Input) is { } reason)
        {
            Reject(replyTo, request, RejectionReason.InvalidInput, reason);
            return;
        }
        if (_queue.Count >= _settings.MaxQueueLength)
        {
            Reject(replyTo, request, RejectionReason.QueueFull, $"queue holds its maximum of {_settings.MaxQueueLength} jobs; retry later or use another provider");
            return;
        }
        _queue.Enqueue(new AcceptedJob(request, replyTo, Stopwatch.GetTimestamp(), grouped));
        ScheduleDrain();
    }

    private void OnDrain()
    {
        _drainPending = _drainTimerPending = false;
        while (_queue.Count > 0 && _idleLanes.Count > 0 && RemainingWaitTicks() == 0)
        {
            var batch = new AcceptedJob[Math.Min(_queue.Count, _settings.MaxBatchSize)];
            for (var i = 0; i < batch.Length; i++) batch[i] = _queue.Dequeue();
            var lane = _idleLanes.Pop();
            if (BusyLanes == _lanes) _lastSaturatedTimestamp = Stopwatch.GetTimestamp();
            lane.Tell(new RunBatch(batch, _settings.ThreadsFor(RecentlySaturated ? _lanes : BusyLanes)));
        }
        if (_queue.Count > 0) ScheduleDrain();
    }

    private void OnBatchFinished(BatchFinished finished)
    {
        if (BusyLanes == _lanes) _lastSaturatedTimestamp = Stopwatch.GetTimestamp();
        _idleLanes.Push(finished.Lane);
        _batches += finished.Completed > 0 ? 1 : 0;
        _completed += finished.Completed;
        _rejected += finished.Failed;
        if (_queue.Count > 0) ScheduleDrain();
    }

    /// <summary>
    /// Batches run only on a Drain message. Told to self, it queues behind the requests already in the
    /// mailbox, so they all join the queue (or are rejected against its bound) before the next batch runs.
    /// A partial batch younger than max-wait waits on a timer, cut short once a full batch is queued.
    /// While every lane is busy no drain is scheduled: the next <see cref="BatchFinished"/> schedules one.
    /// </summary>
    private void ScheduleDrain()
    {
        if (_idleLanes.Count == 0) return;
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

    private int BusyLanes => _lanes - _idleLanes.Count;

    private bool RecentlySaturated => _lastSaturatedTimestamp is { } saturated && Stopwatch.GetElapsedTime(saturated) < LoadMemory;

    private long RemainingWaitTicks()
    {
        if (_queue.Count == 0 || _queue.Count >= _settings.MaxBatchSize || _maxWaitTicks == 0) return 0;
        return Math.Max(0, _maxWaitTicks - (Stopwatch.GetTimestamp() - _queue.Peek().ArrivedTimestamp));
    }

    private void Reject(IActorRef replyTo, Infer request, RejectionReason reason, string detail)
    {
        _rejected++;
        replyTo.Tell(new InferenceRejected(request.JobId, _validator.Spec.Id, reason, detail));
    }
}
