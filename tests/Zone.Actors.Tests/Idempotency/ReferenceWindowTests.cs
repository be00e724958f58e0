using Zone.Actors.Idempotency;

namespace Zone.Actors.Tests.Idempotency;

/// <summary>The window the ledger and settlement answer repeats from: exact keys, first answer kept, bounded, restorable.</summary>
public sealed class ReferenceWindowTests
{
    [Fact]
    public void The_first_answer_stays_and_keys_are_exact()
    {
        var window = new ReferenceWindow<long>(100);
        Assert.True(window.TryAdd(1, "ab", "c", 10));
        Assert.False(window.TryAdd(1, "ab", "c", 11));
        Assert.True(window.TryAdd(1, "a", "bc", 20));
        Assert.True(window.TryAdd(2, "ab", "c", 30));

        Assert.True(window.TryGet(1, "ab", "c", out var first));
        Assert.Equal(10, first);
        Assert.True(window.TryGet(1, "a", "bc", out var shifted));
        Assert.Equal(20, shifted);
        Assert.True(window.TryGet(2, "ab", "c", out var otherKind));
        Assert.Equal(30, otherKind);
        Assert.False(window.TryGet(1, "ab", "C", out _));
        Assert.Equal(3, window.Count);
    }

    [Fact]
    public void It_forgets_the_oldest_generation_and_never_holds_more_than_its_bound()
    {
        var window = new ReferenceWindow<int>(1_000);
        for (var i = 0; i < 10_000; i++)
        {
            window.TryAdd(0, "", $"job-{i}", i);
            Assert.InRange(window.Count, 1, 1_000);
        }
        Assert.True(window.TryGet(0, "", "job-9999", out var newest));
        Assert.Equal(9_999, newest);
        Assert.True(window.TryGet(0, "", "job-9500", out _));
        Assert.False(window.TryGet(0, "", "job-0", out _));
        Assert.False(window.TryGet(0, "", "job-8000", out _));
    }

    [Fact]
    public void Every_remembered_key_is_found_with_its_value_through_growth_and_rotation_and_no_other_key_is()
    {
        // Generations of 100,000: keys 0-99,999 fill the first, 100,000-199,999 the second (the first becomes the
        // previous one), and from 200,000 on the cleared first generation is filled again: 100,000-249,999 remain.
        var window = new ReferenceWindow<long>(200_000);
        for (var i = 0; i < 250_000; i++) Assert.True(window.TryAdd((byte)(i % 4), $"account-{i % 13}", $"job-{i}", i * 3L));

        Assert.Equal(150_000, window.Count);
        for (var i = 0; i < 250_000; i++)
        {
            var found = window.TryGet((byte)(i % 4), $"account-{i % 13}", $"job-{i}", out var value);
            Assert.Equal(i >= 100_000, found);
            if (found) Assert.Equal(i * 3L, value);
            Assert.False(window.TryGet((byte)(i % 4), $"account-{i % 13}", $"job-{i}x", out _));
            Assert.False(window.TryGet((byte)((i + 1) % 4), $"account-{i % 13}", $"job-{i}", out _));
        }
    }

    [Fact]
    public void Keys_of_any_length_are_kept_whole_and_found_after_their_generation_is_reused()
    {
        var window = new ReferenceWindow<int>(8);
        string Key(int i) => new((char)('a' + i % 26), i * 997 % 40_000 + 1); // 1 to 40,000 characters
        for (var i = 0; i < 40; i++)
        {
            Assert.True(window.TryAdd(0, "scope", Key(i), i));
            // Generations of 4: the last 4 to 7 keys are remembered, each exactly.
            for (var j = Math.Max(0, i - 3); j <= i; j++)
            {
                Assert.True(window.TryGet(0, "scope", Key(j), out var value));
                Assert.Equal(j, value);
                Assert.False(window.TryGet(0, "scope", Key(j) + "!", out _));
            }
        }
        Assert.Equal([.. Enumerable.Range(36, 4).Select(Key)], window.Entries().Select(e => e.Reference)); // 40 keys: the 10th generation just filled
    }

    [Fact]
    public void Adding_keys_known_to_be_absent_fills_and_forgets_as_adding_them_with_a_lookup_does()
    {
        var looked = new ReferenceWindow<long>(1_000);
        var unlooked = new ReferenceWindow<long>(1_000);
        for (var i = 0; i < 2_750; i++)
        {
            Assert.True(looked.TryAdd(0, "", $"job-{i}", i));
            unlooked.AddAbsent(0, "", $"job-{i}", i);
        }
        Assert.Equal(looked.Entries(), unlooked.Entries());
        Assert.True(unlooked.TryGet(0, "", "job-2000", out var kept));
        Assert.Equal(2_000, kept);
        Assert.False(unlooked.TryGet(0, "", "job-1999", out _));
    }

    [Fact]
    public void Adding_its_entries_in_order_rebuilds_the_same_window()
    {
        var window = new ReferenceWindow<long>(64);
        for (var i = 0; i < 150; i++) window.TryAdd((byte)(i % 3), $"account-{i % 7}", $"ref-{i}", i * 7);
        var restored = new ReferenceWindow<long>(64);
        foreach (var (kind, scope, reference, value) in window.Entries()) restored.TryAdd(kind, scope, reference, value);

        Assert.Equal(window.Entries(), restored.Entries());
        // The same oldest-first forgetting continues after the restore.
        for (var i = 150; i < 190; i++)
        {
            window.TryAdd(0, "x", $"more-{i}", i);
            restored.TryAdd(0, "x", $"more-{i}", i);
        }
        Assert.Equal(window.Entries(), restored.Entries());
    }
}
