using System.Security.Cryptography;
using Zone.Inference.Commitments;

namespace Zone.Inference.Tests.Commitments;

public sealed class OutputCommitmentTests
{
    [Fact]
    public void Commitment_hashes_the_documented_little_endian_layout()
    {
        using var expected = new MemoryStream();
        using (var writer = new BinaryWriter(expected))
        {
            writer.Write("zone-output-v1"u8);
            writer.Write(2); writer.Write(2); writer.Write(3);
            foreach (var v in new[] { 1f, -2f, 0.5f, 3.25f, 0f, float.Epsilon }) writer.Write(v);
            writer.Write(2); writer.Write(7L); writer.Write(95L);
        }

        var commitment = OutputCommitment.Compute([2, 3], [1f, -2f, 0.5f, 3.25f, 0f, float.Epsilon], [7L, 95L]);

        Assert.Equal(SHA256.HashData(expected.ToArray()), commitment);
    }

    [Fact]
    public void Known_answer_for_an_empty_output()
    {
        // SHA-256 of "zone-output-v1" followed by rank 0 and token count 0 (eight zero bytes).
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData([.. "zone-output-v1"u8, 0, 0, 0, 0, 0, 0, 0, 0])),
            OutputCommitment.ToHex(OutputCommitment.Compute([], [], [])));
    }

    [Fact]
    public void Any_change_of_value_shape_or_token_changes_the_commitment()
    {
        var reference = OutputCommitment.Compute([3], [1f, 2f, 3f], []);

        Assert.NotEqual(reference, OutputCommitment.Compute([3], [1f, 2f, 3.0000002f], []));
        Assert.NotEqual(reference, OutputCommitment.Compute([1, 3], [1f, 2f, 3f], []));
        Assert.NotEqual(reference, OutputCommitment.Compute([3], [1f, 2f, 3f], [0L]));
    }
}
