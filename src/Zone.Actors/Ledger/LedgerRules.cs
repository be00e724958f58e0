namespace Zone.Actors.Ledger;

/// <param name="TreasuryAccountId">The only account a Mint may credit; receives fee remainders and unburned slashes.</param>
/// <param name="UnstakeCooldownMillis">Zone time that must pass after the last Stake before an Unstake is accepted.</param>
/// <param name="DedupWindowEntries">
/// Bound on remembered answers per partition. A retry arriving after its reference left the window is not recognised,
/// so senders retry promptly (settlement re-sends unfinished legs on recovery and every retry interval).
/// </param>
public sealed record LedgerRules(string TreasuryAccountId, long UnstakeCooldownMillis, int DedupWindowEntries)
{
    public static LedgerRules Default { get; } = new("treasury", 86_400_000, 262_144);
}
