namespace Zone.Inference.Worker;

/// <summary>
/// Configuration of one worker (zone.inference.worker in HOCON). <see cref="MaxWaitMicros"/> = 0 means
/// adaptive batching: a batch holds whatever arrived while the previous one ran, so a lone request pays
/// no wait. A positive wait holds a partial batch up to that long, at the scheduler's resolution
/// (about 10 ms by default), which trades latency for fuller batches. <see cref="Threads"/> = 0 keeps
/// libtorch's default; all workers share one thread (<see cref="InferenceWorker.TorchDispatcher"/>), so the last worker started sets it.
/// </summary>
public sealed record InferenceWorkerSettings(
    int MaxBatchSize = 64,
    long MaxWaitMicros = 0,
    int MaxQueueLength = 4096,
    string Device = "cpu",
    int Threads = 0)
{
    public static readonly InferenceWorkerSettings Default = new();

    public InferenceWorkerSettings Validated()
    {
        if (MaxBatchSize is < 1 or > Commitments.BatchInvariance.MaxRowsPerForward)
            throw new ArgumentOutOfRangeException(nameof(MaxBatchSize), MaxBatchSize, $"max-batch-size must be 1..{Commitments.BatchInvariance.MaxRowsPerForward}");
        if (MaxWaitMicros < 0) throw new ArgumentOutOfRangeException(nameof(MaxWaitMicros), MaxWaitMicros, "max-wait must not be negative");
        if (MaxQueueLength < MaxBatchSize) throw new ArgumentOutOfRangeException(nameof(MaxQueueLength), MaxQueueLength, "max-queue-length must hold at least one full batch");
        if (Threads < 0) throw new ArgumentOutOfRangeException(nameof(Threads), Threads, "threads must be 0 (libtorch default) or more");
        return this;
    }
}
