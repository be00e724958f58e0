using Zone.Inference.Execution;

namespace Zone.Inference.Commitments;

/// <summary>A verifier's verdict on a claimed output after running the job again.</summary>
public sealed record ReexecutionVerdict(bool Accepted, InferenceOutput Recomputed, double MaxAbsDifference, bool ArgmaxAgrees, string Explanation);

/// <summary>
/// Re-runs a job the way a worker ran it (alone, padded like every forward pass), then compares.
/// Bit-exact mode compares commitments: valid on the same device, libtorch build and CPU kind, where
/// batch-invariant execution reproduces every bit. Tolerance mode is for other hardware or an
/// independent implementation: values within a max absolute difference, the same argmax in every row
/// of the last dimension, and the same generated tokens.
/// </summary>
public static class Reexecution
{
    public static ReexecutionVerdict VerifyExact(IInferenceModel model, InferenceInput input, byte[] claimedCommitment)
    {
        var recomputed = Recompute(model, input);
        var same = recomputed.Commitment.AsSpan().SequenceEqual(claimedCommitment);
        return new ReexecutionVerdict(same, recomputed, same ? 0 : double.NaN, same,
            same ? "commitment reproduced bit for bit"
                 : $"commitment differs: claimed {Convert.ToHexStringLower(claimedCommitment)}, recomputed {recomputed.CommitmentHex}");
    }

    public static ReexecutionVerdict VerifyWithinTolerance(IInferenceModel model, InferenceInput input, InferenceOutput claimed, double maxAbsDifference)
    {
        var recomputed = Recompute(model, input);
        if (!claimed.Shape.SequenceEqual(recomputed.Shape) || claimed.Values.Length != recomputed.Values.Length)
            return new ReexecutionVerdict(false, recomputed, double.PositiveInfinity, false,
                $"claimed shape [{string.Join(", ", claimed.Shape)}] differs from recomputed [{string.Join(", ", recomputed.Shape)}]");
        var difference = MaxAbsDifference(claimed.Values, recomputed.Values);
        var argmaxAgrees = ArgmaxAgrees(claimed, recomputed);
        var tokensAgree = claimed.GeneratedTokens.AsSpan().SequenceEqual(recomputed.GeneratedTokens);
        var accepted = difference <= maxAbsDifference && argmaxAgrees && tokensAgree;
        return new ReexecutionVerdict(accepted, recomputed, difference, argmaxAgrees,
            $"max |difference| {difference:G3} (tolerance {maxAbsDifference:G3}), argmax {(argmaxAgrees ? "agrees" : "differs")}, tokens {(tokensAgree ? "agree" : "differ")}");
    }

    private static InferenceOutput Recompute(IInferenceModel model, InferenceInput input)
    {
        if (model.Validate(input) is { } reason) throw new ArgumentException($"cannot re-execute: {reason}", nameof(input));
        return model.Execute([input])[0];
    }

    internal static double MaxAbsDifference(float[] a, float[] b)
    {
        var max = 0.0;
        for (var i = 0; i < a.Length; i++)
        {
            var difference = Math.Abs((double)a[i] - b[i]);
            if (double.IsNaN(difference)) return double.PositiveInfinity;
            max = Math.Max(max, difference);
        }
        return max;
    }

    private static bool ArgmaxAgrees(InferenceOutput a, InferenceOutput b)
    {
        var rowLength = a.Shape.Length == 0 ? 1 : a.Shape[^1];
        for (var start = 0; start + rowLength <= a.Values.Length; start += rowLength)
            if (Argmax(a.Values.AsSpan(start, rowLength)) != Argmax(b.Values.AsSpan(start, rowLength))) return false;
        return true;
    }

    private static int Argmax(ReadOnlySpan<float> row)
    {
        var best = 0;
        for (var i = 1; i < row.Length; i++)
            if (row[i] > row[best]) best = i;
        return best;
    }
}
