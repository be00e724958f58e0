namespace Zone.Inference.Zoo;

/// <summary>A weights file is not the one the catalog names: refuse to serve it under that identity.</summary>
public sealed class WeightsHashMismatchException(string path, string expectedSha256, string actualSha256)
    : Exception($"weights {path} have SHA-256 {actualSha256}, but the catalog names {expectedSha256}: the file was changed or corrupted; retrain with `zone models train` or restore it from the repository");
