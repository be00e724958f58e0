using Zone.Inference.Zoo;

namespace Zone.Inference.Execution;

/// <summary>A loaded model that runs batches. Not thread-safe: one worker owns it.</summary>
public interface IInferenceModel : IDisposable
{
    ModelSpec Spec { get; }

    /// <summary>Why <paramref name="input"/> cannot run on this model, or null when it can.</summary>
    string? Validate(InferenceInput input);

    /// <summary>Runs validated inputs as one batch; outputs are in input order and do not depend on the batch.</summary>
    IReadOnlyList<InferenceOutput> Execute(IReadOnlyList<InferenceInput> batch);

    /// <summary>Time the last <see cref="Execute"/> spent inside the module's forward passes; the rest went to packing, copying out and hashing.</summary>
    TimeSpan LastForwardTime { get; }
}
