using Zone.Inference.Zoo;

namespace Zone.Inference.TorchScript;

/// <summary>
/// What a user declares when bringing a TorchScript model: where it is, one sample's input shape and
/// type, one sample's output shape (float32), its cost, and the tolerance a verifier should allow when
/// comparing against another implementation. Optional reference cases (input → expected output, e.g.
/// computed by PyTorch) are checked within that tolerance at registration.
/// </summary>
public sealed record TorchScriptDeclaration(
    string Id,
    string Version,
    string Path,
    int[] InputShape,
    TensorElementType InputType,
    int[] OutputShape,
    long FlopsPerSample,
    double VerificationTolerance,
    IReadOnlyList<ReferenceCase>? ReferenceCases = null);

/// <summary>One input sample (row-major, Float32 or Int64 values as doubles) and the output it must produce.</summary>
public sealed record ReferenceCase(double[] Input, float[] ExpectedOutput);
