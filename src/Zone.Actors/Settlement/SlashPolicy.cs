using Zone.Actors.Ledger;
using Zone.Actors.Money;

namespace Zone.Actors.Settlement;

/// <summary>What proven fraud costs a provider: a fraction of its stake, a bounty share of that to the verifier who proved it,
/// the rest burned or kept by the treasury. Refunding the job itself is a <see cref="Release"/> of its reservation.</summary>
public sealed record SlashPolicy(int SlashFractionBps, int VerifierBountyBps, bool BurnRest)
{
    public static SlashPolicy Default { get; } = new(SlashFractionBps: 1_000, VerifierBountyBps: 5_000, BurnRest: true);

    public Slash For(string providerId, string fraudReference, string verifierId) =>
        new(providerId, fraudReference, SlashFractionBps, verifierId, VerifierBountyBps, BurnRest);

    public void Validate()
    {
        if (SlashFractionBps is <= 0 or > Opg.BasisPointsPerWhole || VerifierBountyBps is < 0 or > Opg.BasisPointsPerWhole)
            throw new ArgumentException($"slash fraction must be 1..10000 bps and bounty 0..10000 bps (got {this})");
    }
}
