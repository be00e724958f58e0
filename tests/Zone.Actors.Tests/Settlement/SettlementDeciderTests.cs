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

    [Fact]
    public void A_batch_seals_at_its_job_bound_with_the_merkle_root_of_its_leaves()
    {
        var state = SettlementState.Empty("prov");
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
        var (state, _, sealedNow) = SettlementDecider.Accept(SettlementState.Empty("prov"), Job("j1"), SettlementMode.Batch, Settings);
        Assert.Null(sealedNow);
        var (after, sealedBatch) = SettlementDecider.SealOpen(state);
        Assert.Single(sealedBatch!.Jobs);
        Assert.Null(SettlementDecider.SealOpen(after).Sealed);
    }

    [Fact]
    public void Individual_and_private_jobs_settle_alone_and_private_records_no_hashes()
    {
        var (_, _, individual) = SettlementDecider.Accept(SettlementState.Empty("prov"), Job("j1"), SettlementMode.Individual, Settings);
        Assert.Equal(32, individual!.Jobs[0].InputHash.Length);
        Assert.Equal(individual.Jobs[0].Leaf(), individual.MerkleRoot);
        var (_, _, privateBatch) = SettlementDecider.Accept(SettlementState.Empty("prov"), Job("j1"), SettlementMode.Private, Settings);
        Assert.Empty(privateBatch!.Jobs[0].InputHash);
        Assert.Empty(privateBatch.Jobs[0].OutputHash);
        Assert.Equal(SettlementMode.Private, privateBatch.Mode);
    }

    [Fact]
    public void Repeats_are_recognised_and_conflicts_rejected()
    {
        var (state, _, _) = SettlementDecider.Accept(SettlementState.Empty("prov"), Job("j1"), SettlementMode.Batch, Settings);
        Assert.Equal(AcceptOutcome.Pending, SettlementDecider.Accept(state, Job("j1"), SettlementMode.Batch, Settings).Decision.Outcome);
        var conflict = SettlementDecider.Accept(state, Job("j1", priceNano: 5), SettlementMode.Batch, Settings).Decision;
        Assert.Equal(AcceptOutcome.Rejected, conflict.Outcome);
        Assert.Contains("conflict", conflict.Reason, StringComparison.Ordinal);
        var (sealedState, sealedBatch) = SettlementDecider.SealOpen(state);
        var settled = sealedState.Apply(new BatchSettled(sealedBatch!.BatchId, [], Opg.Zero, Opg.Zero, Opg.Zero), 10);
        var again = SettlementDecider.Accept(settled, Job("j1"), SettlementMode.Batch, Settings).Decision;
        Assert.Equal((AcceptOutcome.Settled, sealedBatch.BatchId), (again.Outcome, again.BatchId));
    }

    [Fact]
    public void Bad_jobs_are_rejected_with_a_reason()
    {
        var empty = SettlementState.Empty("prov");
        Assert.Equal(AcceptOutcome.Rejected, SettlementDecider.Accept(empty, Job("j1", priceNano: 0), SettlementMode.Batch, Settings).Decision.Outcome);
        Assert.Equal(AcceptOutcome.Rejected, SettlementDecider.Accept(empty, Job("j1", priceNano: -5), SettlementMode.Batch, Settings).Decision.Outcome);
        Assert.Equal(AcceptOutcome.Rejected, SettlementDecider.Accept(empty, Job("j1") with { ProviderId = "other" }, SettlementMode.Batch, Settings).Decision.Outcome);
        Assert.Equal(AcceptOutcome.Rejected, SettlementDecider.Accept(empty, Job(""), SettlementMode.Batch, Settings).Decision.Outcome);
    }

    [Fact]
    public void Legs_move_money_once_per_account_per_batch()
    {
        var batch = SettlementDecider.Seal(SettlementState.Empty("prov"), [Job("j1"), Job("j2"), Job("j3", consumer: "bob")], SettlementMode.Batch);
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
        var batch = SettlementDecider.Seal(SettlementState.Empty("prov"), [Job("j1"), Job("j2", consumer: "bob")], SettlementMode.Batch);
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
