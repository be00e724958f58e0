namespace Zone.Inference.Zoo;

public enum TensorElementType { Float32, Int64 }

/// <summary>
/// What a served model is: identity, shape contract and cost. <see cref="InputShape"/> is one sample's
/// shape (the batch dimension is added by the worker). <see cref="FlopsPerUnit"/> counts multiply-adds as
/// two FLOPs, per sample for classifiers and per generated token for language models.
/// </summary>
public sealed record ModelSpec(
    string Id,
    string Version,
    string Architecture,
    int[] InputShape,
    TensorElementType InputType,
    string OutputMeaning,
    long FlopsPerUnit,
    FlopsUnit FlopsUnit,
    string WeightsSha256)
{
    public string InputDescription => $"{InputType.ToString().ToLowerInvariant()}[{string.Join('x', InputShape)}]";
    public int InputElementsPerSample => InputShape.Aggregate(1, (a, d) => a * d);
}

public enum FlopsUnit { Sample, Token }
