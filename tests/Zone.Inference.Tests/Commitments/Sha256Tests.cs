using System.Security.Cryptography;
using Zone.Inference.Commitments;

namespace Zone.Inference.Tests.Commitments;

public sealed class Sha256Tests
{
    [Fact]
    public void Matches_dotnet_sha256_for_every_length_around_the_block_and_direct_limits()
    {
        var random = new Random(7);
        var lengths = Enumerable.Range(0, 200).Concat([1_000, Sha256.MaxDirectBytes - 1, Sha256.MaxDirectBytes, Sha256.MaxDirectBytes + 1, 100_000]);
        foreach (var length in lengths)
        {
            var data = new byte[length];
            random.NextBytes(data);
            Assert.True(SHA256.HashData(data).AsSpan().SequenceEqual(Sha256.Hash(data)), $"length {length}");
        }
    }

    [Fact]
    public void Hashes_three_parts_as_their_concatenation()
    {
        byte[] first = [0x01], second = [.. Enumerable.Range(0, 32).Select(i => (byte)i)], third = [.. Enumerable.Range(0, 70).Select(i => (byte)(255 - i))];
        Span<byte> digest = stackalloc byte[Sha256.HashSize];
        Sha256.Hash(first, second, third, digest);
        Assert.True(SHA256.HashData([.. first, .. second, .. third]).AsSpan().SequenceEqual(digest));
    }

    [Fact]
    public void The_known_answer_of_abc_holds()
    {
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Convert.ToHexStringLower(Sha256.Hash("abc"u8)));
    }

    [Fact]
    public void Refuses_a_destination_shorter_than_a_digest()
    {
        var error = Assert.Throws<ArgumentException>(() => Sha256.Hash("abc"u8, new byte[31]));
        Assert.Contains("32 bytes", error.Message);
    }
}
