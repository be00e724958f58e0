using Zone.Actors.Money;

namespace Zone.Actors.Settlement;

/// <param name="ProtocolFeeBps">Share of each price taken by the protocol.</param>
/// <param name="VerifierFeeBps">Share of each price paid to the job's verifier (none if the job has no verifier).</param>
/// <param name="BurnBps">Share of the protocol fee burned; the rest goes to the treasury.</param>
public sealed record SettlementFees(int ProtocolFeeBps, int VerifierFeeBps, int BurnBps)
{
    public static SettlementFees Default { get; } = new(ProtocolFeeBps: 500, VerifierFeeBps: 200, BurnBps: 5_000);

    public void Validate()
    {
        if (ProtocolFeeBps < 0 || VerifierFeeBps < 0 || BurnBps is < 0 or > Opg.BasisPointsPerWhole || ProtocolFeeBps + VerifierFeeBps > Opg.BasisPointsPerWhole)
            throw new ArgumentException($"fees must be non-negative basis points with protocol + verifier <= 10000 and burn <= 10000 (got {this})");
    }
}

/// <summary>Where one job's price goes. The four parts always sum to the price: rounding favours the provider, never creates money.</summary>
public readonly record struct FeeSplit(Opg Provider, Opg Verifier, Opg Treasury, Opg Burn)
{
    public static FeeSplit Of(Opg price, bool hasVerifier, SettlementFees fees)
    {
        var (protocolFee, _) = price.SplitBasisPoints(fees.ProtocolFeeBps);
        var verifierFee = hasVerifier ? price.SplitBasisPoints(fees.VerifierFeeBps).Share : Opg.Zero;
        var (burn, treasury) = protocolFee.SplitBasisPoints(fees.BurnBps);
        return new FeeSplit(price - protocolFee - verifierFee, verifierFee, treasury, burn);
    }

    public Opg Total => Provider + Verifier + Treasury + Burn;
}
