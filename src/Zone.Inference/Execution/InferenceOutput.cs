namespace Zone.Inference.Execution;

/// <summary>
/// One job's output: float values of <see cref="Shape"/> (class logits; or for generation, the logits
/// of each generated step), the generated token ids (empty for classifiers), the commitment over both
/// (<see cref="Commitments.OutputCommitment"/>) and the FLOPs the job accounts for.
/// </summary>
public sealed record InferenceOutput(int[] Shape, float[] Values, long[] GeneratedTokens, byte[] Commitment, long Flops)
{
    public string CommitmentHex => Convert.ToHexStringLower(Commitment);
}
