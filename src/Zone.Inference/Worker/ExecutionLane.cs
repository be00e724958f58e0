using System.Diagnostics;
using System.Runtime.InteropServices;
using Akka.Actor;
using Zone.Inference.Execution;
using Zone.Inference.Runtime;

namespace Zone.Inference.Worker;

/// <summary>A job the worker accepted: who asked, when it arrived, and whether it came in an <see cref="InferMany"/>.</summary>
internal readonly record struct AcceptedJob(Infer Request, IActorRef ReplyTo, long ArrivedTimestamp, bool Grouped);

/// <summary>The worker hands a lane a batch to run with <paramref name="Threads"/> libtorch intra-op threads.</summary>
internal sealed record RunBatch(AcceptedJob[] Jobs, int Threads);

/// <summary>The lane ran (or failed) its batch and is free again; it answers the batch's jobs right after telling the worker.</summary>
internal sealed record BatchFinished(IActorRef Lane, int Completed, int Failed);

/// <summary>
/// One of a worker's execution lanes: its own copy of the model, on a thread of <see cref="InferenceWorker.TorchDispatcher"/>,
/// running one batch at a time and answering the batch's requesters itself. A batch says how many libtorch intra-op
/// threads its pass gets; libtorch keeps that count per thread (OpenMP and MKL), and a lane runs on whichever of the
/// dispatcher's threads is free, so the lane sets it on the thread before the pass.
/// The lane owns its model and disposes it when it stops.
/// </summary>
internal sealed class ExecutionLane : ReceiveActor
{
    private readonly IInferenceModel _model;

    public ExecutionLane(IInferenceModel model)
    {
        _model = model;
        Receive<RunBatch>(Run);
    }

    public static Props Props(IInferenceModel model) =>
        Akka.Actor.Props.Create(() => new ExecutionLane(model)).WithDispatcher(InferenceWorker.TorchDispatcher);

    protected override void PostStop() => _model.Dispose();

    private void Run(RunBatch run)
    {
        var batch = run.Jobs;
        TorchBackend.UseThreadsOnThisThread(run.Threads);
        var started = Stopwatch.GetTimestamp();
        IReadOnlyList<InferenceOutput> outputs;
        try
        {
            var inputs = new InferenceInput[batch.Length];
            for (var i = 0; i < batch.Length; i++) inputs[i] = batch[i].Request.Input;
            outputs = _model.Execute(inputs);
        }
        catch (Exception e) when (e is ExternalException or ArgumentException or InvalidOperationException)
        {
            var detail = TorchBackend.FirstLine(e.Message);
            Sender.Tell(new BatchFinished(Self, 0, batch.Length));
            foreach (var job in batch)
                job.ReplyTo.Tell(new InferenceRejected(job.Request.JobId, _model.Spec.Id, RejectionReason.ExecutionFailed, detail));
            return;
        }
        var computeMicros = MicrosBetween(started, Stopwatch.GetTimestamp());
        // The worker hears first: a requester that has its answer then finds the worker's counts up to date, and the
        // worker can hand this lane its next batch while the lane is still answering.
        Sender.Tell(new BatchFinished(Self, batch.Length, 0));
        Reply(batch, outputs, started, computeMicros, (long)_model.LastForwardTime.TotalMicroseconds);
    }

    /// <summary>A single job gets its own reply; grouped jobs get one reply per sender for the whole batch.</summary>
    private void Reply(AcceptedJob[] batch, IReadOnlyList<InferenceOutput> outputs, long startedTimestamp, long computeMicros, long forwardMicros)
    {
        // A batch holds at most 256 jobs and usually a few senders: a linear scan finds a sender's group.
        List<(IActorRef ReplyTo, List<InferenceCompleted> Jobs)>? groups = null;
        for (var i = 0; i < batch.Length; i++)
        {
            var job = batch[i];
            var completed = new InferenceCompleted(job.Request.JobId, _model.Spec.Id, _model.Spec.WeightsSha256, outputs[i],
                MicrosBetween(job.ArrivedTimestamp, startedTimestamp), computeMicros, forwardMicros, batch.Length);
            if (!job.Grouped)
            {
                job.ReplyTo.Tell(completed);
                continue;
            }
            groups ??= [];
            var group = 0;
            while (group < groups.Count && !groups[group].ReplyTo.Equals(job.ReplyTo)) group++;
            if (group == groups.Count) groups.Add((job.ReplyTo, [completed]));
            else groups[group].Jobs.Add(completed);
        }
        if (groups is null) return;
        foreach (var (replyTo, jobs) in groups) replyTo.Tell(new InferManyCompleted(jobs));
    }

    private static long MicrosBetween(long fromTimestamp, long toTimestamp) => (toTimestamp - fromTimestamp) * 1_000_000 / Stopwatch.Frequency;
}
