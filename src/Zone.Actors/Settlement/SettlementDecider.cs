using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Zone.Actors.Ledger;
using Zone.Actors.Money;

namespace Zone.Actors.Settlement;

public enum AcceptOutcome
{
    /// <summary>New job: it is in the open batch or in a batch sealed now.</summary>
    Accepted,
    /// <summary>Already known and not yet settled: the sender will be answered when its batch settles.</summary>
    Pending,
    /// <summary>Already settled in <see cref="AcceptDecision.BatchId"/>: answer at once.</summary>
    Settled,
    Rejected,
}

public readonly record struct AcceptDecision(AcceptOutcome Outcome, string BatchId, string Reason);

/// <summary>Credit legs of a batch once its captures are answered, and what the batch moved.</summary>
public sealed record CreditPlan(ImmutableArray<ILedgerCommand> Legs, ImmutableArray<string> FailedJobIds, Opg Captured, Opg Credited, Opg Burned);

/// <summary>Pure settlement rules: admission, sealing, Merkle roots, and the legs each batch sends.</summary>
public static class SettlementDecider
{
    /// <summary>Bound on hash sizes accepted into a leaf: SHA-512 at most.</summary>
    public const int MaxHashBytes = 64;

    public static (SettlementState State, AcceptDecision Decision, BatchSealed? Sealed) Accept(
        SettlementState state, SettlementJob job, SettlementMode requestedMode, SettlementSettings settings)
    {
        if (Invalid(state, job) is { } reason) return (state, new AcceptDecision(AcceptOutcome.Rejected, "", reason), null);
        if (Known(state, job) is { } known) return (state, known, null);
        if (state.Unsettled.Count >= settings.MaxUnsettledBatches)
            return (state, new AcceptDecision(AcceptOutcome.Rejected, "", $"overloaded: {state.Unsettled.Count} batches are settling (bound {settings.MaxUnsettledBatches})"), null);

        var mode = settings.ModeFor(requestedMode);
        if (mode != SettlementMode.Batch)
        {
            var single = mode == SettlementMode.Private ? job with { InputHash = [], OutputHash = [] } : job;
            var sealedAlone = Seal(state, [single], mode);
            return (state.Apply(sealedAlone), new AcceptDecision(AcceptOutcome.Accepted, sealedAlone.BatchId, ""), sealedAlone);
        }
        state.AddOpen(job);
        if (state.Open.Count < settings.BatchMaxJobs) return (state, new AcceptDecision(AcceptOutcome.Accepted, "", ""), null);
        var sealedBatch = Seal(state, [.. state.Open], SettlementMode.Batch);
        return (state.Apply(sealedBatch), new AcceptDecision(AcceptOutcome.Accepted, sealedBatch.BatchId, ""), sealedBatch);
    }

    /// <summary>Seals the open batch (its wait ran out); null if it is empty.</summary>
    public static (SettlementState State, BatchSealed? Sealed) SealOpen(SettlementState state)
    {
        if (state.Open.Count == 0) return (state, null);
        var sealedBatch = Seal(state, [.. state.Open], SettlementMode.Batch);
        return (state.Apply(sealedBatch), sealedBatch);
    }

    public static string BatchIdOf(string providerId, long sequence) => $"{providerId}#{sequence}";

    public static BatchSealed Seal(SettlementState state, ImmutableArray<SettlementJob> jobs, SettlementMode mode) =>
        new(BatchIdOf(state.ProviderId, state.NextSequence), state.NextSequence, mode, jobs, MerkleTree.Root(jobs.Select(j => j.Leaf()).ToList()));

    /// <summary>One capture per consumer account: money moves once per account per batch.</summary>
    public static ImmutableArray<ILedgerCommand> CaptureLegs(BatchSealed batch)
    {
        var byConsumer = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var job in batch.Jobs)
        {
            if (!byConsumer.TryGetValue(job.ConsumerId, out var ids)) byConsumer[job.ConsumerId] = ids = new List<string>(1);
            ids.Add(job.JobId);
        }
        var consumers = new string[byConsumer.Count];
        byConsumer.Keys.CopyTo(consumers, 0);
        Array.Sort(consumers, StringComparer.Ordinal);
        var legs = ImmutableArray.CreateBuilder<ILedgerCommand>(consumers.Length);
        foreach (var consumer in consumers)
        {
            var ids = byConsumer[consumer];
            if (ids.Count > 1) ids.Sort(StringComparer.Ordinal);
            legs.Add(new Capture(consumer, batch.BatchId, batch.BatchId, [.. ids]));
        }
        return legs.MoveToImmutable();
    }

    /// <summary>
    /// The credits of a batch after its captures: jobs of consumers whose capture was refused are left out (nothing of
    /// theirs is in clearing). Amounts are summed per payee, so each account is credited once per batch.
    /// </summary>
    public static CreditPlan CreditLegs(BatchSealed batch, IReadOnlySet<string> failedConsumers, SettlementFees fees, string treasuryAccountId)
    {
        // Summed in a hash table and sorted once: a batch has a few payees and up to thousands of jobs.
        var payees = new Dictionary<string, Opg>(StringComparer.Ordinal);
        var (burn, treasury, captured) = (Opg.Zero, Opg.Zero, Opg.Zero);
        var failed = ImmutableArray.CreateBuilder<string>();
        // Jobs of a batch mostly share a price: the split of the previous job is reused when it is the same.
        (Opg Price, bool HasVerifier, FeeSplit Split)? last = null;
        foreach (var job in batch.Jobs)
        {
            if (failedConsumers.Contains(job.ConsumerId)) { failed.Add(job.JobId); continue; }
            captured += job.Price;
            var hasVerifier = job.VerifierId.Length > 0;
            if (last is not { } previous || previous.Price != job.Price || previous.HasVerifier != hasVerifier)
                last = previous = (job.Price, hasVerifier, FeeSplit.Of(job.Price, hasVerifier, fees));
            var split = previous.Split;
            Pay(payees, job.ProviderId, split.Provider);
            if (hasVerifier) Pay(payees, job.VerifierId, split.Verifier);
            treasury += split.Treasury;
            burn += split.Burn;
        }
        Pay(payees, treasuryAccountId, treasury);
        var legs = payees.Where(p => p.Value.IsPositive)
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => (ILedgerCommand)new Credit(p.Key, batch.BatchId, p.Value, batch.BatchId))
            .ToImmutableArray();
        if (burn.IsPositive) legs = legs.Add(new Burn(treasuryAccountId, batch.BatchId, burn, batch.BatchId));
        return new CreditPlan(legs, failed.ToImmutable(), captured, captured - burn, burn);
    }

    private static void Pay(Dictionary<string, Opg> payees, string accountId, Opg amount)
    {
        ref var sum = ref CollectionsMarshal.GetValueRefOrAddDefault(payees, accountId, out _);
        sum += amount;
    }

    private static string? Invalid(SettlementState state, SettlementJob job)
    {
        if (string.IsNullOrEmpty(job.JobId) || string.IsNullOrEmpty(job.ConsumerId)) return "job id and consumer are required";
        if (job.ProviderId != state.ProviderId) return $"job '{job.JobId}' belongs to provider '{job.ProviderId}', not '{state.ProviderId}'";
        if (!job.Price.IsPositive) return $"job '{job.JobId}' has price {job.Price}: it must be positive";
        if (job.InputHash.Length > MaxHashBytes || job.OutputHash.Length > MaxHashBytes) return $"job '{job.JobId}' has a hash longer than {MaxHashBytes} bytes";
        return null;
    }

    private static AcceptDecision? Known(SettlementState state, SettlementJob job)
    {
        if (state.FindOpen(job.JobId) is { } open)
            return open.Equals(job) ? new AcceptDecision(AcceptOutcome.Pending, "", "") : Conflict(job);
        if (state.FindUnsettled(job.JobId) is var (batch, recorded))
        {
            var same = recorded.Equals(job) || recorded.Equals(job with { InputHash = [], OutputHash = [] });
            return same ? new AcceptDecision(AcceptOutcome.Pending, batch.BatchId, "") : Conflict(job);
        }
        return state.SettledBatchOf(job.JobId) is { } settledIn ? new AcceptDecision(AcceptOutcome.Settled, settledIn, "") : null;
    }

    private static AcceptDecision Conflict(SettlementJob job) =>
        new(AcceptOutcome.Rejected, "", $"conflict: job '{job.JobId}' was already accepted with different content");
}
