using Zone.Actors.Hosting;
using Zone.Actors.Ledger;
using Zone.Actors.Money;
using static Zone.Actors.Ledger.LedgerRejectionReason;

namespace Zone.Actors.Tests.Ledger;

/// <summary>The partitions as a running zone uses them: slashing pays across partitions, refunds return money, bad input changes nothing.</summary>
public sealed class LedgerPartitionActorTests
{
    [Fact]
    public async Task Slash_pays_the_bounty_across_partitions_and_burns_the_rest()
    {
        await using var node = await LedgerNode.StartAsync(PersistenceSettings.InMemory);
        await node.GenesisAsync(["prov", "verifier"], Opg.FromWhole(100));
        var staked = await node.SendAsync(new Stake("prov", "s1", Opg.FromWhole(60), 0));
        Assert.True(staked[0].Accepted, staked[0].Detail);

        var slash = await node.SendAsync(new Slash("prov", "fraud-1", 2_500, "verifier", 4_000, BurnRest: true));
        Assert.Equal(Opg.FromWhole(15), slash[0].Amount);
        await node.AwaitNothingInFlightAsync(["prov", "verifier"]);

        var accounts = await Accounts(node);
        Assert.Equal(Opg.FromWhole(45), accounts["prov"].Staked);
        Assert.Equal(Opg.FromWhole(106), accounts["verifier"].Available);
        var again = await node.SendAsync(new Slash("prov", "fraud-1", 2_500, "verifier", 4_000, BurnRest: true));
        Assert.True(again[0].Duplicate);
        Assert.Equal(Opg.FromWhole(45), (await Accounts(node))["prov"].Staked);
    }

    [Fact]
    public async Task A_released_reservation_returns_to_available()
    {
        await using var node = await LedgerNode.StartAsync(PersistenceSettings.InMemory);
        await node.GenesisAsync(["alice"], Opg.FromWhole(10));
        await node.SendAsync(new Reserve("alice", "job-1", Opg.FromWhole(4)));
        var released = await node.SendAsync(new Release("alice", "job-1"));
        Assert.Equal(Opg.FromWhole(4), released[0].Amount);
        var twice = await node.SendAsync(new Release("alice", "job-1"));
        Assert.True(twice[0].Duplicate);
        Assert.Equal(Opg.FromWhole(10), (await Accounts(node))["alice"].Available);
    }

    [Fact]
    public async Task A_repeat_in_the_same_write_or_a_later_one_gets_the_first_answer_and_moves_nothing()
    {
        await using var node = await LedgerNode.StartAsync(PersistenceSettings.InMemory);
        await node.GenesisAsync(["alice"], Opg.FromWhole(10));
        // One message: decided as one group, so the repeat meets the first in the same write.
        var replies = await node.SendAsync(new Reserve("alice", "job-1", Opg.FromWhole(3)), new Reserve("alice", "job-1", Opg.FromWhole(3)),
            new Reserve("alice", "job-2", Opg.FromWhole(2)));
        Assert.Equal([false, true, false], replies.Select(r => r.Duplicate));
        Assert.All(replies, r => Assert.True(r.Accepted, r.Detail));
        var later = await node.SendAsync(new Reserve("alice", "job-2", Opg.FromWhole(2)), new Reserve("alice", "job-1", Opg.FromWhole(3)));
        Assert.All(later, r => Assert.True(r.Duplicate));
        var alice = (await Accounts(node))["alice"];
        Assert.Equal(Opg.FromWhole(5), alice.Available);
        Assert.Equal([("job-1", Opg.FromWhole(3)), ("job-2", Opg.FromWhole(2))], alice.Reservations.Select(r => (r.Reference, r.Amount)));
    }

    [Fact]
    public async Task Bad_commands_are_rejected_with_reasons_and_change_nothing()
    {
        await using var node = await LedgerNode.StartAsync(PersistenceSettings.InMemory);
        await node.GenesisAsync(["alice"], Opg.FromWhole(10));
        await node.SendAsync(new Reserve("alice", "job-1", Opg.FromWhole(1)));
        var before = await Accounts(node);

        var replies = await node.SendAsync(
            new Reserve("alice", "neg", Opg.FromWhole(-1)),
            new Reserve("alice", "zero", Opg.Zero),
            new Credit("alice", "huge", new Opg(long.MaxValue), "k"),
            new Reserve("nobody", "j", Opg.FromWhole(1)),
            new Release("alice", "not-a-reservation"),
            new Reserve("alice", "job-1", Opg.FromWhole(2)),
            new Mint("alice", "m", Opg.FromWhole(1)));

        Assert.Equal([NegativeAmount, ZeroAmount, Overflow, UnknownAccount, UnknownReference, Conflict, MintNotAllowed], replies.Select(r => r.Rejection));
        Assert.All(replies, r => Assert.False(string.IsNullOrEmpty(r.Detail)));
        var after = await Accounts(node);
        Assert.Equal(before.Keys.Order(), after.Keys.Order());
        foreach (var (id, account) in before)
            Assert.Equal((account.Available, account.Staked, account.Reservations.Length), (after[id].Available, after[id].Staked, after[id].Reservations.Length));
    }

    [Fact]
    public async Task A_partition_snapshots_once_the_commands_written_since_its_last_snapshot_reach_the_bound()
    {
        await using var node = await LedgerNode.StartAsync(PersistenceSettings.InMemory);
        var bound = node.Ledger.SnapshotEveryCommands;
        var partition = LedgerPartitions.EntityIdOf("treasury", node.Ledger.Partitions);
        Task<Akka.Persistence.SelectedSnapshot?> Latest() => node.LatestSnapshotAsync(LedgerPartitions.PersistenceIdOf(partition),
            // A write's replies leave before its partition decides on a snapshot; the balances are answered after that.
            Akka.Actor.Futures.Ask<PartitionBalances>(node.Regions.Ledger, new GetPartitionBalances(partition), LedgerNode.Timeout));
        // Mints touch the treasury's partition only: one write of bound - 1 commands stays below the bound.
        var mints = Enumerable.Range(0, bound - 1).Select(i => (ILedgerCommand)new Mint("treasury", $"mint-{i}", Opg.FromWhole(1))).ToArray();
        Assert.All(await node.SendAsync(mints), r => Assert.True(r.Accepted, r.Detail));
        Assert.Null(await Latest());

        Assert.True((await node.SendAsync(new Mint("treasury", "mint-last", Opg.FromWhole(1))))[0].Accepted);
        var snapshot = Assert.IsType<LedgerPartitionSnapshot>((await Latest())?.Snapshot);
        Assert.Equal(Opg.FromWhole(bound), snapshot.Minted);
        Assert.Equal(bound, snapshot.DedupWindow.Length);
    }

    private static async Task<Dictionary<string, AccountSnapshot>> Accounts(LedgerNode node)
    {
        var balances = await Task.WhenAll(Enumerable.Range(0, node.Ledger.Partitions).Select(p =>
            Akka.Actor.Futures.Ask<PartitionBalances>(node.Regions.Ledger, new GetPartitionBalances(p.ToString(global::System.Globalization.CultureInfo.InvariantCulture)), LedgerNode.Timeout)));
        return balances.SelectMany(b => b.Accounts).ToDictionary(a => a.AccountId);
    }
}
