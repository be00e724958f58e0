namespace Zone.Actors.Ledger;

/// <summary>
/// A 64-bit fingerprint of what a command asks for beyond its identity (kind, account, reference): the dedup window keeps
/// it instead of the command, so a repeat can still be told from a different command reusing the reference (Conflict).
/// FNV-1a over the fields: stable across processes, since snapshots carry it. A false match needs a 2^-64 accident
/// between two commands of the same account and reference, and would only answer the second with the first's answer.
/// </summary>
public static class LedgerCommandContent
{
    private const ulong Offset = 14695981039346656037UL;
    private const ulong Prime = 1099511628211UL;

    public static ulong Fingerprint(ILedgerCommand command) => command switch
    {
        Mint c => Mix(Offset, c.Amount.Nano),
        Transfer c => Mix(Mix(Offset, c.ToAccountId), c.Amount.Nano),
        Reserve c => Mix(Offset, c.Amount.Nano),
        Release => Offset,
        Capture c => Reservations(Mix(Offset, c.ClearingKey), c),
        Credit c => Mix(Mix(Offset, c.Amount.Nano), c.ClearingKey),
        Burn c => Mix(Mix(Offset, c.Amount.Nano), c.ClearingKey),
        Stake c => Mix(Mix(Offset, c.Amount.Nano), c.ZoneTimeMillis),
        Unstake c => Mix(Mix(Offset, c.Amount.Nano), c.ZoneTimeMillis),
        Slash c => Mix(Mix(Mix(Mix(Offset, c.FractionBps), c.BeneficiaryId), c.BountyBps), c.BurnRest ? 1 : 0),
        _ => throw new ArgumentException($"unknown ledger command {command.GetType().Name}", nameof(command)),
    };

    private static ulong Reservations(ulong hash, Capture capture)
    {
        foreach (var reference in capture.Reservations) hash = Mix(hash, reference);
        return Mix(hash, capture.Reservations.Length);
    }

    private static ulong Mix(ulong hash, long value)
    {
        for (var i = 0; i < 8; i++, value >>= 8) hash = (hash ^ (byte)value) * Prime;
        return hash;
    }

    // Strings end with their length, so ("ab", "c") and ("a", "bc") differ.
    private static ulong Mix(ulong hash, string value)
    {
        foreach (var c in value) hash = (hash ^ c) * Prime;
        return Mix(hash, value.Length);
    }
}
