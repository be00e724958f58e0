using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Zone.Inference.Commitments;

/// <summary>
/// SHA-256 over a job's output in one fixed little-endian layout:
/// "zone-output-v1" (ASCII) | rank (int32) | each dimension (int32) | each float32 value |
/// token count (int32) | each generated token id (int64). Classifiers have no tokens (count 0);
/// language models commit to their generated tokens and to the logits that chose them.
/// </summary>
public static class OutputCommitment
{
    private static readonly byte[] Domain = "zone-output-v1"u8.ToArray();

    public static byte[] Compute(ReadOnlySpan<int> shape, ReadOnlySpan<float> values, ReadOnlySpan<long> tokens)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> word = stackalloc byte[8];
        hash.AppendData(Domain);
        AppendInt32(hash, word, shape.Length);
        foreach (var dimension in shape) AppendInt32(hash, word, dimension);
        var valueBytes = new byte[values.Length * sizeof(float)];
        for (var i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(valueBytes.AsSpan(i * sizeof(float)), values[i]);
        hash.AppendData(valueBytes);
        AppendInt32(hash, word, tokens.Length);
        foreach (var token in tokens)
        {
            BinaryPrimitives.WriteInt64LittleEndian(word, token);
            hash.AppendData(word);
        }
        return hash.GetHashAndReset();
    }

    public static string ToHex(byte[] commitment) => Convert.ToHexStringLower(commitment);

    private static void AppendInt32(IncrementalHash hash, Span<byte> word, int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(word, value);
        hash.AppendData(word[..4]);
    }
}
