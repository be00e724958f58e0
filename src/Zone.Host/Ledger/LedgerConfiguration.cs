using Zone.Actors.Ledger;
using Zone.Actors.Settlement;
using Zone.Host.Configuration;

namespace Zone.Host.Ledger;

/// <summary>zone.ledger and zone.settlement (hocon/zone.conf documents every key) as the actors' settings.</summary>
public static class LedgerConfiguration
{
    public static LedgerSettings Ledger(ZoneConfiguration c) => Checked(() =>
    {
        var settings = new LedgerSettings(
            c.Range("zone.ledger.partitions", 1, 4_096),
            new LedgerRules(c.GetString("zone.ledger.treasury-account"), (long)Duration(c, "zone.ledger.unstake-cooldown").TotalMilliseconds,
                c.Range("zone.ledger.dedup-window-entries", 1, 100_000_000)),
            c.Range("zone.ledger.max-commands-per-write", 1, 1_000_000),
            c.Range("zone.ledger.max-queued-commands", 1, 100_000_000),
            c.Range("zone.ledger.snapshot-every-commands", 1, int.MaxValue),
            Duration(c, "zone.ledger.outbox-retry"));
        settings.Validate();
        return settings;
    });

    public static SettlementSettings Settlement(ZoneConfiguration c) => Checked(() =>
    {
        var settings = new SettlementSettings(
            Mode(c),
            c.Range("zone.settlement.batch-max-jobs", 1, 1_000_000),
            Duration(c, "zone.settlement.batch-max-wait"),
            new SettlementFees(c.Range("zone.settlement.protocol-fee-bps", 0, 10_000), c.Range("zone.settlement.verifier-fee-bps", 0, 10_000), c.Range("zone.settlement.burn-bps", 0, 10_000)),
            new SlashPolicy(c.Range("zone.settlement.slash-fraction-bps", 1, 10_000), c.Range("zone.settlement.slash-bounty-bps", 0, 10_000), c.Config.GetBoolean("zone.settlement.slash-burn-rest")),
            c.GetString("zone.ledger.treasury-account"),
            c.Range("zone.settlement.max-unsettled-batches", 1, 100_000_000),
            Duration(c, "zone.settlement.leg-retry"),
            c.Range("zone.settlement.settled-window-jobs", 1, 100_000_000),
            c.Range("zone.settlement.snapshot-every-jobs", 1, int.MaxValue),
            c.Range("zone.settlement.partitions", 1, 4_096),
            c.Range("zone.ledger.partitions", 1, 4_096));
        settings.Validate();
        return settings;
    });

    private static SettlementMode Mode(ZoneConfiguration c) => c.Choice("zone.settlement.mode", new Dictionary<string, SettlementMode>
    {
        ["private"] = SettlementMode.Private,
        ["individual"] = SettlementMode.Individual,
        ["batch"] = SettlementMode.Batch,
    });

    private static TimeSpan Duration(ZoneConfiguration c, string path)
    {
        var value = c.Config.GetTimeSpan(path);
        return value > TimeSpan.Zero ? value : throw new ZoneConfigException($"{c.SourceOf(path)}: '{path}' must be a positive duration");
    }

    private static T Checked<T>(Func<T> build)
    {
        try { return build(); }
        catch (ArgumentException e) { throw new ZoneConfigException(e.Message); }
    }
}
