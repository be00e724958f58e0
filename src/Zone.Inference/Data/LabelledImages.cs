namespace Zone.Inference.Data;

/// <summary>Grey images as float pixels in [0, 1], row-major, <see cref="Rows"/> x <see cref="Columns"/> each, with class labels.</summary>
public sealed record LabelledImages(int Count, int Rows, int Columns, float[] Pixels, byte[] Labels)
{
    public int PixelsPerImage => Rows * Columns;

    public float[] Image(int index) => Pixels.AsSpan(index * PixelsPerImage, PixelsPerImage).ToArray();

    public LabelledImages Take(int count) =>
        new(count, Rows, Columns, Pixels.AsSpan(0, count * PixelsPerImage).ToArray(), Labels.AsSpan(0, count).ToArray());
}
