using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Zone.Actors.Ledger;
using Zone.Actors.Money;
using Zone.Actors.Settlement;

namespace Zone.Actors.Tests.Settlement;

public sealed class SettlementDeciderTests
{
    private static readonly SettlementSettings Settings = SettlementSettings.Default with { BatchMaxJobs = 3 };

    private static SettlementJob Job(string id, string consumer = "alice", long priceNano = 1_000_000, string verifier = "ver") =>
        new(id, consumer, "prov", verifier, new Opg(priceNano), SHA256.HashData(Encoding.UTF8.GetBytes("in" + id)), SHA256.HashData(Encoding.UTF8.GetBytes("out" + id)));

    private static SettlementState Book(string provider = "prov", SettledJobs? settled = null) =>
        SettlementState.Empty(provider, settled ?? new SettledJobs(Settings.SettledWindowJobs));

    /// <summary>Accepts the jobs into one batch (sealed at the bound or after them), and settles it.</summary>
    private static SettlementState SettleAll(SettlementState book, params string[] jobIds)
    {
        BatchSealed? sealedBatch = null;
        foreach (var id in jobIds) (book, _, sealedBatch) = SettlementDecider.Accept(book, Job(id) with { ProviderId = book.ProviderId }, SettlementMode.Batch, Settings);
        if (sealedBatch is null) (book, sealedBatch) = SettlementDecider.SealOpen(book);
        return book.Apply(new BatchSettled(sealedBatch!.BatchId, [], Opg.Zero, Opg.Zero, Opg.Zero));
    }

    [Fact]
    public void The_books_of_a_partition_share_one_bounded_settled_window_in_which_job_ids_are_scoped_by_provider()
    {
        var settled = new SettledJobs(8);
        var (a, b) = (Book("prov-a", settled), Book("prov-b", settled));
        a = SettleAll(a, "j1", "j2");
        b = SettleAll(b, "j1");
        // The same job id at two providers is two jobs: each remembers its own batch.
        Assert.Equal("prov-a#1", a.SettledBatchOf("j1"));
        Assert.Equal("prov-b#1", b.SettledBatchOf("j1"));
        Assert.Null(b.SettledBatchOf("j2"));

        // Twelve more of a's jobs: the partition's window (8) forgets the oldest, whichever book they belong to.
        for (var i = 0; i < 4; i++) a = SettleAll(a, $"k{i}a", $"k{i}b", $"k{i}c");
        Assert.InRange(settled.Count, 1, 8);
        Assert.Null(b.SettledBatchOf("j1"));
        Assert.Null(a.SettledBatchOf("j1"));
        Assert.Equal("prov-a#5", a.SettledBatchOf("k3c"));
        var again = SettlementDecider.Accept(a, Job("k3c") with { ProviderId = "prov-a" }, SettlementMode.Batch, Settings).Decision;
        Assert.Equal((AcceptOutcome.Settled, "prov-a#5"), (again.Outcome, again.BatchId));
    }

    [Fact]
    public void A_batch_seals_at_its_job_bound_with_the_merkle_root_of_its_leaves()
    {
        var state = Book();
        BatchSealed? sealedBatch = null;
        foreach (var id in new[] { "j1", "j2", "j3" })
            (state, _, sealedBatch) = SettlementDecider.Accept(state, Job(id), SettlementMode.ZoneDefault, Settings);
        Assert.NotNull(sealedBatch);
        Assert.Equal("prov#1", sealedBatch.BatchId);
        Assert.Equal(3, sealedBatch.Jobs.Length);
        Assert.Equal(MerkleTree.Root(sealedBatch.Jobs.Select(j => j.Leaf()).ToList()), sealedBatch.MerkleRoot);
        Assert.Empty(state.Open);
        Assert.True(state.Unsettled.ContainsKey("prov#1"));
    }

    [Fact]
    public void The_open_batch_seals_when_its_wait_runs_out()
    {
        var (state, _, sealedNow) = SettlementDecider.Accept(Book(), Job("j1"), SettlementMode.Batch, Settings);
        Assert.Null(sealedNow);
        var (after, sealedBatch) = SettlementDecider.SealOpen(state);
        Assert.Single(sealedBatch!.Jobs);
        Assert.Null(SettlementDecider.SealOpen(after).Sealed);
    }

    [Fact]
    public void Individual_and_private_jobs_settle_alone_and_private_records_no_hashes()
    {
        var (_, _, individual) = SettlementDecider.Accept(Book(), Job("j1"), SettlementMode.Individual, Settings);
        Assert.Equal(32, individual!.Jobs[0].InputHash.Length);
        Assert.Equal(individual.Jobs[0].Leaf(), individual.MerkleRoot);
        var (_, _, privateBatch) = SettlementDecider.Accept(Book(), Job("j1"), SettlementMode.Private, Settings);
        Assert.Empty(privateBatch!.Jobs[0].InputHash);
        Assert.Empty(privateBatch.Jobs[0].OutputHash);
        Assert.Equal(SettlementMode.Private, privateBatch.Mode);
    }

    [Fact]
    public void Repeats_are_recognised_and_conflicts_rejected()
    {
        var (state, _, _) = SettlementDecider.Accept(Book(), Job("j1"), SettlementMode.Batch, Settings);
        Assert.Equal(AcceptOutcome.Pending, SettlementDecider.Accept(state, Job("j1"), SettlementMode.Batch, Settings).Decision.Outcome);
        var conflict = SettlementDecider.Accept(state, Job("j1", priceNano: 5), SettlementMode.Batch, Settings).Decision;
        Assert.Equal(AcceptOutcome.Rejected, conflict.Outcome);
        Assert.Contains("conflict", conflict.Reason, StringComparison.Ordinal);
        var (sealedState, sealedBatch) = SettlementDecider.SealOpen(state);
        var settled = sealedState.Apply(new BatchSettled(sealedBatch!.BatchId, [], Opg.Zero, Opg.Zero, Opg.Zero));
        var again = SettlementDecider.Accept(settled, Job("j1"), SettlementMode.Batch, Settings).Decision;
        Assert.Equal((AcceptOutcome.Settled, sealedBatch.BatchId), (again.Outcome, again.BatchId));
    }

    [Fact]
    public void A_book_knows_each_job_as_open_then_unsettled_in_its_batch_then_settled()
    {
        var (state, _, _) = SettlementDecider.Accept(Book(), Job("j1"), SettlementMode.Batch, Settings);
        (state, _, _) = SettlementDecider.Accept(state, Job("j2"), SettlementMode.Batch, Settings);
        // A job sealed alone while a batch is open leaves the open batch as it was.
        var (_, _, alone) = SettlementDecider.Accept(state, Job("solo"), SettlementMode.Individual, Settings);
        Assert.Equal(["j1", "j2"], state.Open.Select(j => j.JobId));
        Assert.Equal(Job("j2"), state.FindOpen("j2"));
        Assert.Equal((alone!, Job("solo")), state.FindUnsettled("solo"));
        Assert.Null(state.FindOpen("solo"));

        var (_, batch) = SettlementDecider.SealOpen(state);
        Assert.Empty(state.Open);
        Assert.Null(state.FindOpen("j1"));
        Assert.Equal((batch!, Job("j2")), state.FindUnsettled("j2"));

        state.Apply(new BatchSettled(batch!.BatchId, [], Opg.Zero, Opg.Zero, Opg.Zero));
        Assert.Null(state.FindUnsettled("j1"));
        Assert.Equal(batch.BatchId, state.SettledBatchOf("j1"));
        Assert.Equal((alone!, Job("solo")), state.FindUnsettled("solo"));
    }

    [Fact]
    public void A_seal_that_takes_some_open_jobs_leaves_the_others_open_in_their_order()
    {
        var state = Book();
        foreach (var id in new[] { "j1", "j2" }) (state, _, _) = SettlementDecider.Accept(state, Job(id), SettlementMode.Batch, Settings);
        // A seal recorded elsewhere (a journal replayed under a book that already holds open jobs) naming only j1.
        var other = new BatchSealed("prov#7", 7, SettlementMode.Batch, [Job("j1")], MerkleTree.Root([Job("j1").Leaf()]));
        state.Apply(other);
        Assert.Equal(["j2"], state.Open.Select(j => j.JobId));
        Assert.Equal((other, Job("j1")), state.FindUnsettled("j1"));
        var (_, rest) = SettlementDecider.SealOpen(state);
        Assert.Equal(["j2"], rest!.Jobs.Select(j => j.JobId));
        Assert.Equal((rest, Job("j2")), state.FindUnsettled("j2"));
        Assert.Equal(8, rest.Sequence);
    }

    [Fact]
    public void Bad_jobs_are_rejected_with_a_reason()
    {
        var empty = Book();
        Assert.Equal(AcceptOutcome.Rejected, SettlementDecider.Accept(empty, Job("j1", priceNano: 0), SettlementMode.Batch, Settings).Decision.Outcome);
        Assert.Equal(AcceptOutcome.Rejected, SettlementDecider.Accept(empty, Job("j1", priceNano: -5), SettlementMode.Batch, Settings).Decision.Outcome);
        Assert.Equal(AcceptOutcome.Rejected, SettlementDecider.Accept(empty, Job("j1") with { ProviderId = "other" }, SettlementMode.Batch, Settings).Decision.Outcome);
        Assert.Equal(AcceptOutcome.Rejected, SettlementDecider.Accept(empty, Job(""), SettlementMode.Batch, Settings).Decision.Outcome);
    }

    [Fact]
    public void Legs_move_money_once_per_account_per_batch()
    {
        var batch = SettlementDecider.Seal(Book(), [Job("j1"), Job("j2"), Job("j3", consumer: "bob")], SettlementMode.Batch);
        var captures = SettlementDecider.CaptureLegs(batch).Cast<Capture>().ToList();
        Assert.Equal(["alice", "bob"], captures.Select(c => c.AccountId));
        Assert.Equal(["j1", "j2"], captures[0].Reservations.ToArray());
        var plan = SettlementDecider.CreditLegs(batch, new HashSet<string>(), SettlementFees.Default, "treasury");
        Assert.Equal(plan.Legs.Length, plan.Legs.Select(l => (l.Kind, l.AccountId)).Distinct().Count());
        Assert.Equal(new Opg(3_000_000), plan.Captured);
        var paid = Opg.Sum(plan.Legs.Select(l => l switch { Credit c => c.Amount, Burn b => b.Amount, _ => Opg.Zero }));
        Assert.Equal(plan.Captured, paid);
        Assert.Equal(plan.Captured - plan.Burned, plan.Credited);
    }

    [Fact]
    public void Jobs_whose_capture_failed_are_not_paid()
    {
        var batch = SettlementDecider.Seal(Book(), [Job("j1"), Job("j2", consumer: "bob")], SettlementMode.Batch);
        var plan = SettlementDecider.CreditLegs(batch, new HashSet<string> { "bob" }, SettlementFees.Default, "treasury");
        Assert.Equal(["j2"], plan.FailedJobIds.ToArray());
        Assert.Equal(new Opg(1_000_000), plan.Captured);
    }

    [Property(MaxTest = 500)]
    public Property Fee_split_never_creates_or_loses_money() =>
        Prop.ForAll(Gen.Choose(0, int.MaxValue).ArrayOf(4).ToArbitrary(), draw =>
        {
            var price = (long)draw[0] * 4_294_967L;
            var fees = new SettlementFees(draw[1] % 5_001, draw[2] % 5_001, draw[3] % 10_001);
            var split = FeeSplit.Of(new Opg(price), hasVerifier: price % 2 == 0, fees);
            return split.Total == new Opg(price) && !split.Provider.IsNegative && !split.Verifier.IsNegative && !split.Treasury.IsNegative && !split.Burn.IsNegative;
        });
}
