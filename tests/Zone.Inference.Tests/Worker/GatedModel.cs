using Zone.Inference.Commitments;
using Zone.Inference.Execution;
using Zone.Inference.Zoo;

namespace Zone.Inference.Tests.Worker;

/// <summary>
/// A stand-in model whose batches block until the test opens the gate, so the test controls when the worker is busy; with
/// <see cref="FailsOnNegative"/> a batch holding a job whose first value is negative fails as a libtorch error surfaces.
/// </summary>
internal sealed class GatedModel : IInferenceModel
{
    public readonly ManualResetEventSlim FirstBatchStarted = new();
    public readonly ManualResetEventSlim Gate = new();
    public readonly List<int> BatchSizes = [];
    public readonly HashSet<int> ExecutingThreads = [];
    /// <summary>libtorch's intra-op thread count on the executing thread during each batch.</summary>
    public readonly List<int> LibTorchThreads = [];

    public bool FailsOnNegative { get; init; }

    public ModelSpec Spec { get; } = new("gated", "1", "identity", [2], TensorElementType.Float32, "the input", 4, FlopsUnit.Sample, new string('0', 64));

    public string? Validate(InferenceInput input) => input is TensorInput { Length: 2 } ? null : "needs two floats";

    public IReadOnlyList<InferenceOutput> Execute(IReadOnlyList<InferenceInput> batch)
    {
        lock (BatchSizes)
        {
            BatchSizes.Add(batch.Count);
            ExecutingThreads.Add(Environment.CurrentManagedThreadId);
            LibTorchThreads.Add(TorchSharp.torch.get_num_threads());
        }
        FirstBatchStarted.Set();
        Gate.Wait(TimeSpan.FromSeconds(30));
        var inputs = batch.Cast<TensorInput>().ToArray();
        if (FailsOnNegative && inputs.Any(t => t.Float32Values![0] < 0))
            throw new System.Runtime.InteropServices.ExternalException("the backend refused the batch\n  at some native frame");
        return inputs.Select(t => new InferenceOutput([2], t.Float32Values!, [], OutputCommitment.Compute([2], t.Float32Values!, []), 4)).ToArray();
    }

    public TimeSpan LastForwardTime => TimeSpan.Zero;

    public void Dispose() => Gate.Set();
}
