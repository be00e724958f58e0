using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;

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
        var length = Domain.Length + sizeof(int) * (2 + shape.Length) + sizeof(float) * values.Length + sizeof(long) * tokens.Length;
        // One buffer for the whole layout, on the stack when it fits: this runs once per job on the worker's hot path.
        const int maxStackBytes = 1024;
        var rented = length > maxStackBytes ? ArrayPool<byte>.Shared.Rent(length) : null;
        try
        {
            var layout = rented is null ? stackalloc byte[length] : rented.AsSpan(0, length);
            Domain.CopyTo(layout);
            var at = Domain.Length;
            BinaryPrimitives.WriteInt32LittleEndian(layout[at..], shape.Length);
            at += sizeof(int);
            foreach (var dimension in shape)
            {
                BinaryPrimitives.WriteInt32LittleEndian(layout[at..], dimension);
                at += sizeof(int);
            }
            if (BitConverter.IsLittleEndian)
            {
                // The in-memory floats already are the layout: one bulk copy instead of a loop per value.
                MemoryMarshal.AsBytes(values).CopyTo(layout[at..]);
                at += sizeof(float) * values.Length;
            }
            else
                foreach (var value in values)
                {
                    BinaryPrimitives.WriteSingleLittleEndian(layout[at..], value);
                    at += sizeof(float);
                }
            BinaryPrimitives.WriteInt32LittleEndian(layout[at..], tokens.Length);
            at += sizeof(int);
            foreach (var token in tokens)
            {
                BinaryPrimitives.WriteInt64LittleEndian(layout[at..], token);
                at += sizeof(long);
            }
            // Once per job on the worker's hot path: Sha256 skips the EVP overhead that dominates short inputs.
            return Sha256.Hash(layout);
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public static string ToHex(byte[] commitment) => Convert.ToHexStringLower(commitment);
}
