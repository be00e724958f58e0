using System.Security.Cryptography;
using Akka.Actor;
using Zone.Actors.Hosting;
using Zone.Actors.Ledger;
using Zone.Actors.Money;
using Zone.Actors.Settlement;

namespace Zone.Actors.Tests.Ledger;

/// <summary>Settlement partitions as senders use them: routing by provider, and sealing open batches on demand.</summary>
public sealed class SettlementPartitionActorTests
{
    private static SettlementJob Job(string id, string provider) =>
        new(id, "alice", provider, "verifier", Opg.FromWhole(1), SHA256.HashData([1]), SHA256.HashData([2]));

    [Fact]
    public async Task A_job_sent_to_a_partition_its_provider_does_not_hash_to_is_rejected_with_the_reason()
    {
        await using var node = await LedgerNode.StartAsync(PersistenceSettings.InMemory);
        var partitions = LedgerNode.SettlementSettings.Partitions;
        var provider = Enumerable.Range(0, 100).Select(i => $"prov-{i}").First(p => SettlementPartitions.EntityIdOf(p, partitions) != "0");
        var inbox = Inbox.Create(node.System);
        inbox.Send(node.Regions.Settlement, new AcceptJobs("0", [Job("job-1", provider)], SettlementMode.Batch));

        var rejected = Assert.IsType<JobRejected>(await inbox.ReceiveAsync(LedgerNode.Timeout));
        Assert.Equal("job-1", rejected.JobId);
        Assert.Contains($"provider '{provider}' does not belong to settlement partition 0", rejected.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SealOpenBatches_settles_a_partial_batch_without_waiting_for_its_size_or_wait()
    {
        // A wait far longer than the test's timeout: only SealOpenBatches can settle this one-job batch in time.
        var settings = LedgerNode.SettlementSettings with { BatchMaxWait = TimeSpan.FromHours(1) };
        await using var node = await LedgerNode.StartAsync(PersistenceSettings.InMemory, settlement: settings);
        await node.GenesisAsync(["alice"], Opg.FromWhole(10));
        var job = Job("job-1", "prov");
        Assert.True((await node.SendAsync(new Reserve("alice", job.JobId, job.Price)))[0].Accepted);
        var partition = SettlementPartitions.EntityIdOf("prov", settings.Partitions);
        var inbox = Inbox.Create(node.System);
        Assert.True(settings.BatchMaxJobs > 1);
        inbox.Send(node.Regions.Settlement, new AcceptJobs(partition, [job], SettlementMode.Batch));
        inbox.Send(node.Regions.Settlement, new SealOpenBatches(partition));

        var settled = Assert.IsType<JobsSettled>(await inbox.ReceiveAsync(LedgerNode.Timeout));
        Assert.Equal(["job-1"], settled.JobIds.ToArray());
    }

    [Fact]
    public async Task Every_sender_of_a_job_hears_once_that_it_settled_however_often_it_sent_it()
    {
        var settings = LedgerNode.SettlementSettings with { BatchMaxWait = TimeSpan.FromHours(1) };
        await using var node = await LedgerNode.StartAsync(PersistenceSettings.InMemory, settlement: settings);
        await node.GenesisAsync(["alice"], Opg.FromWhole(10));
        var jobs = new[] { Job("job-1", "prov"), Job("job-2", "prov"), Job("job-3", "prov") };
        Assert.All(await node.SendAsync(jobs.Select(j => (ILedgerCommand)new Reserve("alice", j.JobId, j.Price)).ToArray()), r => Assert.True(r.Accepted, r.Detail));
        var partition = SettlementPartitions.EntityIdOf("prov", settings.Partitions);
        var (first, second) = (Inbox.Create(node.System), Inbox.Create(node.System));
        first.Send(node.Regions.Settlement, new AcceptJobs(partition, [jobs[0], jobs[1]], SettlementMode.Batch));
        // While the batch is open: the first sender repeats job-1, a second sender sends job-2 and a job of its own.
        first.Send(node.Regions.Settlement, new AcceptJobs(partition, [jobs[0]], SettlementMode.Batch));
        second.Send(node.Regions.Settlement, new AcceptJobs(partition, [jobs[1], jobs[2]], SettlementMode.Batch));
        second.Send(node.Regions.Settlement, new SealOpenBatches(partition));

        var toFirst = Assert.IsType<JobsSettled>(await first.ReceiveAsync(LedgerNode.Timeout));
        var toSecond = Assert.IsType<JobsSettled>(await second.ReceiveAsync(LedgerNode.Timeout));
        Assert.Equal(["job-1", "job-2"], toFirst.JobIds.Order().ToArray());
        Assert.Equal(["job-2", "job-3"], toSecond.JobIds.Order().ToArray());
        Assert.Equal(toFirst.BatchId, toSecond.BatchId);
        // One answer each: nothing more arrives once the batch's settle is written.
        await Assert.ThrowsAsync<TimeoutException>(() => first.ReceiveAsync(TimeSpan.FromMilliseconds(500)));
        await Assert.ThrowsAsync<TimeoutException>(() => second.ReceiveAsync(TimeSpan.FromMilliseconds(500)));
    }

    [Fact]
    public async Task A_partition_snapshots_once_the_jobs_sealed_since_its_last_snapshot_reach_the_bound()
    {
        await using var node = await LedgerNode.StartAsync(PersistenceSettings.InMemory);
        var settings = LedgerNode.SettlementSettings;
        Assert.InRange(settings.SnapshotEveryJobs, settings.BatchMaxJobs + 1, 2 * settings.BatchMaxJobs);
        await node.GenesisAsync(["alice"], Opg.FromWhole(100));
        var partition = SettlementPartitions.EntityIdOf("prov", settings.Partitions);
        Task<Akka.Persistence.SelectedSnapshot?> Latest() => node.LatestSnapshotAsync(SettlementPartitions.PersistenceIdOf(partition),
            // Jobs count when their seal is durable, and a partition decides on a snapshot right then, before it sends the
            // batch's legs: by the time the batch is settled, that snapshot is in the store.
            Task.CompletedTask);

        async Task SettleOneBatch(int first)
        {
            var jobs = Enumerable.Range(first, settings.BatchMaxJobs).Select(i => Job($"job-{i}", "prov")).ToList();
            Assert.All(await node.SendAsync(jobs.Select(j => (ILedgerCommand)new Reserve("alice", j.JobId, j.Price)).ToArray()), r => Assert.True(r.Accepted, r.Detail));
            await node.SettleAsync(jobs, SettlementMode.Batch);
        }

        await SettleOneBatch(0);
        Assert.Null(await Latest());
        await SettleOneBatch(settings.BatchMaxJobs);
        // Taken when the second batch's seal became durable: the first batch settled, the second still unsettled.
        var snapshot = Assert.IsType<SettlementPartitionSnapshot>((await Latest())?.Snapshot);
        var book = Assert.Single(snapshot.Books);
        Assert.Equal(2 * settings.BatchMaxJobs, snapshot.SettledWindow.Length + book.Unsettled.Sum(b => b.Jobs.Length));
        Assert.All(snapshot.SettledWindow, job => Assert.Equal("prov", job.ProviderId));
    }
}
