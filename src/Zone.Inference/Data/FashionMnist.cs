using System.Buffers.Binary;
using System.IO.Compression;

namespace Zone.Inference.Data;

/// <summary>
/// Fashion-MNIST (Zalando, MIT licence) in its idx format, gzip-compressed: the full set from Debian's
/// dataset-fashion-mnist package, or the held-out slice of the test set checked in under models/data.
/// </summary>
public static class FashionMnist
{
    public const string DebianPackage = "dataset-fashion-mnist";
    public const string DebianDirectory = "/usr/share/datasets/fashion-mnist";
    public const string HeldOutImagesFile = "fashion-mnist-test-2000-images-idx3-ubyte.gz";
    public const string HeldOutLabelsFile = "fashion-mnist-test-2000-labels-idx1-ubyte.gz";
    public const int HeldOutCount = 2000;

    public static readonly IReadOnlyList<string> ClassNames =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    private const int ImagesMagic = 0x00000803;
    private const int LabelsMagic = 0x00000801;

    public static LabelledImages LoadTraining(string directory = DebianDirectory) =>
        LoadPair(directory, "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz");

    public static LabelledImages LoadTest(string directory = DebianDirectory) =>
        LoadPair(directory, "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz");

    /// <summary>The first <see cref="HeldOutCount"/> test images, as checked in under models/data.</summary>
    public static LabelledImages LoadHeldOut(string modelsDirectory) =>
        LoadPair(Path.Combine(modelsDirectory, "data"), HeldOutImagesFile, HeldOutLabelsFile);

    public static void WriteHeldOut(LabelledImages test, string modelsDirectory)
    {
        var slice = test.Take(HeldOutCount);
        var directory = Directory.CreateDirectory(Path.Combine(modelsDirectory, "data")).FullName;
        var pixels = slice.Pixels.Select(p => (byte)MathF.Round(p * 255f)).ToArray();
        WriteIdx(Path.Combine(directory, HeldOutImagesFile), ImagesMagic, [slice.Count, slice.Rows, slice.Columns], pixels);
        WriteIdx(Path.Combine(directory, HeldOutLabelsFile), LabelsMagic, [slice.Count], slice.Labels);
    }

    private static LabelledImages LoadPair(string directory, string imagesFile, string labelsFile)
    {
        var imagesPath = Path.Combine(directory, imagesFile);
        var labelsPath = Path.Combine(directory, labelsFile);
        if (!File.Exists(imagesPath) || !File.Exists(labelsPath))
            throw new DataUnavailableException(directory.StartsWith(DebianDirectory, StringComparison.Ordinal)
                ? $"Fashion-MNIST is not installed ({imagesPath} missing): run `apt-get install {DebianPackage}`"
                : $"Fashion-MNIST slice missing: {imagesPath} or {labelsPath}");
        var (imageDims, imageBytes) = ReadIdx(imagesPath, ImagesMagic);
        var (labelDims, labels) = ReadIdx(labelsPath, LabelsMagic);
        if (imageDims.Length != 3 || labelDims[0] != imageDims[0])
            throw new InvalidDataException($"{imagesPath} and {labelsPath} disagree: {imageDims[0]} images, {labelDims[0]} labels");
        var pixels = new float[imageBytes.Length];
        for (var i = 0; i < pixels.Length; i++) pixels[i] = imageBytes[i] / 255f;
        return new LabelledImages(imageDims[0], imageDims[1], imageDims[2], pixels, labels);
    }

    private static (int[] Dimensions, byte[] Data) ReadIdx(string path, int expectedMagic)
    {
        using var stream = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        var bytes = buffer.ToArray();
        var magic = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan());
        if (magic != expectedMagic) throw new InvalidDataException($"{path}: idx magic {magic:x8}, expected {expectedMagic:x8}");
        var rank = magic & 0xFF;
        var dims = Enumerable.Range(0, rank).Select(i => BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4 + 4 * i))).ToArray();
        var header = 4 + 4 * rank;
        var length = dims.Aggregate(1L, (a, d) => a * d);
        if (header + length != bytes.Length) throw new InvalidDataException($"{path}: {bytes.Length - header} data bytes, header says {length}");
        return (dims, bytes[header..].ToArray());
    }

    private static void WriteIdx(string path, int magic, int[] dims, byte[] data)
    {
        using var stream = new GZipStream(File.Create(path), CompressionLevel.SmallestSize);
        Span<byte> word = stackalloc byte[4];
        foreach (var value in dims.Prepend(magic))
        {
            BinaryPrimitives.WriteInt32BigEndian(word, value);
            stream.Write(word);
        }
        stream.Write(data);
    }
}
