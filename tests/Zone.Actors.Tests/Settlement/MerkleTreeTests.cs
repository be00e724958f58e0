using System.Security.Cryptography;
using Zone.Actors.Money;
using Zone.Actors.Settlement;

namespace Zone.Actors.Tests.Settlement;

public sealed class MerkleTreeTests
{
    private static List<byte[]> Leaves(int count) =>
        Enumerable.Range(0, count).Select(i => MerkleTree.Leaf($"job-{i}", SHA256.HashData([(byte)i]), SHA256.HashData([(byte)(i + 1)]), new Opg(i))).ToList();

    [Fact]
    public void Every_leaf_of_every_tree_size_has_a_proof_that_verifies()
    {
        for (var count = 1; count <= 17; count++)
        {
            var leaves = Leaves(count);
            var root = MerkleTree.Root(leaves);
            for (var i = 0; i < count; i++)
                Assert.True(MerkleTree.Verify(leaves[i], MerkleTree.Proof(leaves, i), root), $"leaf {i} of {count}");
        }
    }

    [Fact]
    public void A_tampered_leaf_or_proof_fails()
    {
        var leaves = Leaves(5);
        var root = MerkleTree.Root(leaves);
        var proof = MerkleTree.Proof(leaves, 2);
        Assert.False(MerkleTree.Verify(leaves[3], proof, root));
        var tampered = MerkleTree.Leaf("job-2", SHA256.HashData([2]), SHA256.HashData([3]), new Opg(3));
        Assert.False(MerkleTree.Verify(tampered, proof, root));
    }

    [Fact]
    public void Odd_nodes_are_carried_up_not_duplicated()
    {
        var three = Leaves(3);
        var expected = MerkleTree.Node(MerkleTree.Node(three[0], three[1]), three[2]);
        Assert.Equal(expected, MerkleTree.Root(three));
        // Duplicating the last leaf would give the same root under a duplicate-last rule; here it must differ.
        Assert.NotEqual(MerkleTree.Root(three), MerkleTree.Root([.. three, three[2]]));
    }

    [Fact]
    public void Leaves_and_nodes_are_domain_separated()
    {
        var leaves = Leaves(2);
        var root = MerkleTree.Root(leaves);
        Assert.Equal(SHA256.HashData([MerkleTree.NodePrefix, .. leaves[0], .. leaves[1]]), root);
        Assert.Equal(root, MerkleTree.Root([root]));
        Assert.NotEqual(MerkleTree.Node(leaves[0], leaves[1]), SHA256.HashData([.. leaves[0], .. leaves[1]]));
    }

    [Fact]
    public void A_leaf_is_the_hash_of_its_documented_layout()
    {
        // Journals hold roots computed from this layout: it must never change.
        var input = SHA256.HashData([1]);
        var output = SHA256.HashData([2]);
        byte[] layout = [MerkleTree.LeafPrefix, 6, 0, 0, 0, .. "job-é"u8, 32, 0, 0, 0, .. input, 32, 0, 0, 0, .. output, .. BitConverter.GetBytes(7_000_000_000L)];
        Assert.Equal(SHA256.HashData(layout), MerkleTree.Leaf("job-é", input, output, Opg.FromWhole(7)));
    }
}
