namespace Zone.Inference.Worker;

/// <summary>Marker for every message of the InferenceWorker protocol.</summary>
public interface IInferenceMessage;
