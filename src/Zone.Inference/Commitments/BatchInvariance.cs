namespace Zone.Inference.Commitments;

/// <summary>
/// Why every forward pass is padded: measured on this CPU build of libtorch (ENVIRONMENT.md), a row's
/// output is bit-identical in any batch of 16-256 rows at any position, but batches of 1-3 rows take
/// another kernel path (last-bit differences up to 8e-8) and, with 2 threads, a batch of 7 rows differed
/// too. Padding every pass to at least <see cref="MinRowsPerForward"/> rows makes a job's output, and so
/// its commitment, independent of the batch it happened to run in. Batches are also capped at
/// <see cref="MaxRowsPerForward"/>, the largest size checked.
/// </summary>
public static class BatchInvariance
{
    public const int MinRowsPerForward = 16;
    public const int MaxRowsPerForward = 256;

    public static int PaddedRows(int rows) => Math.Max(rows, MinRowsPerForward);
}
