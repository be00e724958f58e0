namespace Zone.Inference.Commitments;

/// <summary>
/// Why forward passes are padded: measured on this CPU build of libtorch (ENVIRONMENT.md), a row's output is
/// bit-identical in any batch of 16-256 rows, but matrix products of 1-3 rows take another kernel path (last-bit
/// differences up to 8e-8) and, with 2 threads, one of 7 rows differed too.
/// So every pass is padded with zero rows until its matrix products have at least <see cref="MinProductRows"/>
/// rows, which makes a job's output, and so its commitment, independent of the batch it happened to run in.
/// A classifier's last layers multiply one row per sample, so its passes are padded to 16 samples; the language
/// model multiplies one row per token of its window (64 per sample), so even a lone job's pass needs no padding.
/// Batches are also capped at <see cref="MaxRowsPerForward"/> samples, the largest size checked.
/// </summary>
public static class BatchInvariance
{
    public const int MinProductRows = 16;
    public const int MaxRowsPerForward = 256;

    /// <summary>Samples in a pass of <paramref name="rows"/> real ones, padded so its products have at least <see cref="MinProductRows"/> rows.</summary>
    /// <param name="productRowsPerSample">Rows each sample contributes to the pass's matrix products (1 for a classifier, the window length for the language model).</param>
    public static int PaddedRows(int rows, int productRowsPerSample = 1) =>
        Math.Max(rows, (MinProductRows + productRowsPerSample - 1) / productRowsPerSample);
}
