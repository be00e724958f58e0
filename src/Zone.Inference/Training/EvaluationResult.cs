namespace Zone.Inference.Training;

/// <summary>A model's measured quality: accuracy for classifiers, bits per character for the language model, and on which data.</summary>
public sealed record EvaluationResult(string Model, string Metric, double Value, string Data);
