namespace Zone.Inference.TorchScript;

/// <summary>A user model was refused at registration; the message says why, without libtorch's C++ backtrace.</summary>
public sealed class ModelRegistrationException(string modelId, string reason, Exception? inner = null)
    : Exception($"model {modelId} refused: {reason}", inner)
{
    public string ModelId { get; } = modelId;
    public string Reason { get; } = reason;
}
