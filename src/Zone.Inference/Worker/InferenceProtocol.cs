using Zone.Inference.Execution;

namespace Zone.Inference.Worker;

/// <summary>Run <paramref name="Input"/>; the worker answers <see cref="InferenceCompleted"/> or <see cref="InferenceRejected"/>.</summary>
public sealed record Infer(string JobId, InferenceInput Input) : IInferenceMessage;

/// <summary>
/// Several jobs in one message, as a requester that forwards queued jobs in bulk sends them. Each job is
/// validated, bounded by the queue and rejected (<see cref="InferenceRejected"/>, one per job) on its own;
/// the accepted ones come back as one <see cref="InferManyCompleted"/> per forward pass they ran in, so a
/// requester with many jobs in flight pays for one message each way per batch instead of two per job.
/// </summary>
public sealed record InferMany(IReadOnlyList<Infer> Jobs) : IInferenceMessage;

/// <summary>The jobs of one sender's <see cref="InferMany"/> messages that completed in the same forward pass.</summary>
public sealed record InferManyCompleted(IReadOnlyList<InferenceCompleted> Jobs) : IInferenceMessage;

/// <summary>
/// A job's result. <see cref="QueueMicros"/> is the time from arrival to the start of its batch;
/// <see cref="ComputeMicros"/> is the whole batch's time in the model (packing, forward passes, copying out, hashing),
/// which every job of the batch shared; <see cref="ForwardMicros"/> is the part of it spent inside the forward passes.
/// </summary>
public sealed record InferenceCompleted(string JobId, string ModelId, string WeightsSha256, InferenceOutput Output,
    long QueueMicros, long ComputeMicros, long ForwardMicros, int BatchSize) : IInferenceMessage
{
    public byte[] Commitment => Output.Commitment;
    public long Flops => Output.Flops;
}

public enum RejectionReason { QueueFull, InvalidInput, ExecutionFailed }

public sealed record InferenceRejected(string JobId, string ModelId, RejectionReason Reason, string Detail) : IInferenceMessage;

public sealed record GetWorkerStatus : IInferenceMessage
{
    public static readonly GetWorkerStatus Instance = new();
}

/// <summary>A worker's state: jobs queued, jobs completed and rejected, batches run, and its lanes (how many, how many running a batch).</summary>
public sealed record WorkerStatus(string ModelId, int QueueLength, long Completed, long Rejected, long Batches, int Lanes, int BusyLanes,
    InferenceWorkerSettings Settings) : IInferenceMessage;
