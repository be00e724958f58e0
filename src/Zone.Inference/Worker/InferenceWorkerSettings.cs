using TorchSharp;

namespace Zone.Inference.Worker;

/// <summary>
/// Configuration of one worker (zone.inference.worker in HOCON). <see cref="MaxWaitMicros"/> = 0 means
/// adaptive batching: a batch holds whatever arrived while the lanes were busy, so a lone request pays
/// no wait. A positive wait holds a partial batch up to that long, at the scheduler's resolution
/// (about 10 ms by default), which trades latency for fuller batches. <see cref="Lanes"/> = 0 means one lane per
/// core on a CPU device and one on CUDA; <see cref="Threads"/> = 0 means the cores shared out among the busy lanes
/// (<see cref="ThreadsFor"/>).
/// </summary>
/// <param name="Lanes">Batches a worker runs at once, each in its own copy of the model on its own thread.</param>
/// <param name="Threads">libtorch intra-op threads per pass.</param>
public sealed record InferenceWorkerSettings(
    int MaxBatchSize = 64,
    long MaxWaitMicros = 0,
    int MaxQueueLength = 4096,
    string Device = "cpu",
    int Threads = 0,
    int Lanes = 0)
{
    public static readonly InferenceWorkerSettings Default = new();

    /// <summary>
    /// On a CPU, one lane per core: measured on fashion-mlp (64 rows, 2 cores), two single-threaded passes side by side
    /// ran 359k-372k samples/s against 248k-299k for one pass on two OpenMP threads, which wait for each other at every
    /// parallel region. A GPU runs one pass at a time anyway.
    /// </summary>
    public int LanesOn(DeviceType device) => Lanes > 0 ? Lanes : device == DeviceType.CPU ? Environment.ProcessorCount : 1;

    /// <summary>
    /// libtorch threads for a pass that starts while <paramref name="busyLanes"/> of a worker's lanes (its own included) are
    /// busy: <see cref="Threads"/> if set, else the cores shared out among them. A batch that runs alone (a lone job) gets
    /// every core, as one pass at a time would; under load each lane gets its share (the worker counts every lane as busy
    /// for a moment after they all were, see <see cref="InferenceWorker"/>). The count holds for the whole pass,
    /// so a lane started alone keeps its cores while a second one starts beside it, until its batch ends.
    /// </summary>
    public int ThreadsFor(int busyLanes) => Threads > 0 ? Threads : Math.Max(1, Environment.ProcessorCount / Math.Max(1, busyLanes));

    public InferenceWorkerSettings Validated()
    {
        if (MaxBatchSize is < 1 or > Commitments.BatchInvariance.MaxRowsPerForward)
            throw new ArgumentOutOfRangeException(nameof(MaxBatchSize), MaxBatchSize, $"max-batch-size must be 1..{Commitments.BatchInvariance.MaxRowsPerForward}");
        if (MaxWaitMicros < 0) throw new ArgumentOutOfRangeException(nameof(MaxWaitMicros), MaxWaitMicros, "max-wait must not be negative");
        if (MaxQueueLength < MaxBatchSize) throw new ArgumentOutOfRangeException(nameof(MaxQueueLength), MaxQueueLength, "max-queue-length must hold at least one full batch");
        if (Threads < 0) throw new ArgumentOutOfRangeException(nameof(Threads), Threads, "threads must be 0 (the cores shared out among the lanes) or more");
        if (Lanes < 0) throw new ArgumentOutOfRangeException(nameof(Lanes), Lanes, "lanes must be 0 (one per core on a CPU) or more");
        return this;
    }
}
