using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Zone.Actors.Ledger;
using Zone.Actors.Money;

namespace Zone.Actors.Tests.Ledger;

/// <summary>
/// Random command sequences, with repeats of earlier commands mixed in at random later positions: money is
/// conserved after every step, a repeat never changes anything, and replaying the written entries (recovery)
/// reaches the same state.
/// </summary>
public sealed class LedgerPropertyTests
{
    private static readonly LedgerRules Rules = new("treasury", UnstakeCooldownMillis: 10, DedupWindowEntries: 100_000);
    private static readonly string[] Accounts = ["treasury", "alice", "bob", "prov"];

    private sealed class Run
    {
        public LedgerState State = LedgerState.Empty;
        public readonly List<ILedgerCommand> History = [];
        public readonly List<LedgerEntriesWritten> Journal = [];
        public readonly Dictionary<(LedgerCommandKind, string, string), ILedgerCommand> Accepted = [];
        public bool RepeatsChangedNothing = true;
        public readonly Dictionary<string, Opg> Clearing = new(StringComparer.Ordinal);
        public long Time;
    }

    [Property(MaxTest = 300)]
    public Property Conservation_and_idempotency_hold_for_any_sequence() =>
        Prop.ForAll(Gen.Choose(0, int.MaxValue).ArrayOf().ToArbitrary(), codes =>
        {
            var run = new Run();
            Step(run, new Mint("treasury", "genesis", Opg.FromWhole(1_000)));
            foreach (var code in codes)
            {
                if (Next(run, code) is { } command) Step(run, command);
                if (!Conserved(run)) return false;
            }
            var replayed = run.Journal.Aggregate(LedgerState.Empty, (s, e) => s.Apply(e, Rules));
            return run.RepeatsChangedNothing && Same(replayed, run.State);
        });

    private static void Step(Run run, ILedgerCommand command)
    {
        var decision = LedgerDecider.Decide(run.State, command, Rules);
        if (run.Accepted.TryGetValue((command.Kind, command.AccountId, command.Reference), out var first) && first.Equals(command))
            run.RepeatsChangedNothing &= decision.Entry is null && decision.Reply.Duplicate;
        if (decision.Entry is { } entry)
        {
            run.State = run.State.Apply(entry, Rules);
            run.Journal.Add(new LedgerEntriesWritten([entry], []));
            run.Accepted[(command.Kind, command.AccountId, command.Reference)] = command;
            Track(run, entry);
        }
        run.History.Add(command);
    }

    /// <summary>Money a command put into (or took out of) clearing, as the settlement side would see it.</summary>
    private static void Track(Run run, LedgerEntry entry)
    {
        switch (entry.Command)
        {
            case Capture c: run.Clearing[c.ClearingKey] = run.Clearing.GetValueOrDefault(c.ClearingKey) + entry.Amount; break;
            case Credit c when !c.ClearingKey.StartsWith("xfer/", StringComparison.Ordinal) && !c.ClearingKey.StartsWith("slash/", StringComparison.Ordinal):
                run.Clearing[c.ClearingKey] -= entry.Amount; break;
            case Burn c: run.Clearing[c.ClearingKey] -= entry.Amount; break;
        }
    }

    private static ILedgerCommand? Next(Run run, int code)
    {
        var account = Accounts[code % 4];
        var other = Accounts[(code / 4) % 4];
        var amount = new Opg(((code / 16) % 9 - 1) * 100_000_000L);
        var reference = $"r{(code / 144) % 8}";
        return ((code / 1152) % 12) switch
        {
            0 => new Transfer(account, reference, other, amount),
            1 => new Reserve(account, reference, amount),
            2 => new Release(account, reference),
            3 => OpenReservations(run, account) is { Length: > 0 } open ? new Capture(account, $"b-{run.History.Count}", $"b-{run.History.Count}", [open[0]]) : null,
            4 => PayFromClearing(run, account, amount, burn: false),
            5 => PayFromClearing(run, account, amount, burn: true),
            6 => new Stake(account, reference, amount, run.Time += 3),
            7 => new Unstake(account, reference, amount, run.Time += 3),
            8 => new Slash(account, reference, 1 + (code / 16) % 10_000, other, (code / 7) % 10_001, code % 2 == 0),
            9 => DeliverOutbox(run),
            _ => run.History.Count > 0 ? run.History[(code / 13) % run.History.Count] : null,
        };
    }

    private static string[] OpenReservations(Run run, string account) =>
        run.State.Find(account)?.Reservations.Keys.Order(StringComparer.Ordinal).ToArray() ?? [];

    private static ILedgerCommand? PayFromClearing(Run run, string account, Opg amount, bool burn)
    {
        var open = run.Clearing.Where(c => c.Value.IsPositive).OrderBy(c => c.Key, StringComparer.Ordinal).FirstOrDefault();
        if (open.Key is null) return null;
        var pay = Opg.Min(open.Value, Opg.Max(amount, new Opg(1)));
        return burn ? new Burn("treasury", $"{open.Key}/burn/{run.History.Count}", pay, open.Key) : new Credit(account, $"{open.Key}/{run.History.Count}", pay, open.Key);
    }

    /// <summary>What partitions do with a transfer or slash credit: the receiver credits it, then the sender forgets it.</summary>
    private static ILedgerCommand? DeliverOutbox(Run run)
    {
        if (run.State.Outbox.IsEmpty) return null;
        var credit = run.State.Outbox.Values.First();
        Step(run, credit.ToCommand());
        var delivered = new LedgerEntriesWritten([], [credit.ClearingKey]);
        run.State = run.State.Apply(delivered, Rules);
        run.Journal.Add(delivered);
        return null;
    }

    private static bool Conserved(Run run)
    {
        var balances = Opg.Sum(run.State.Accounts.Values.Select(a => a.Available + a.Reserved + a.Staked));
        var clearing = Opg.Sum(run.Clearing.Values);
        var reservedMatches = run.State.Accounts.Values.All(a => a.Reserved == Opg.Sum(a.Reservations.Values));
        var nonNegative = run.State.Accounts.Values.All(a => !a.Available.IsNegative && !a.Reserved.IsNegative && !a.Staked.IsNegative);
        return reservedMatches && nonNegative && clearing >= Opg.Zero &&
               balances + run.State.InFlight + clearing + run.State.Burned == run.State.Minted;
    }

    private static bool Same(LedgerState a, LedgerState b)
    {
        var (x, y) = (a.ToSnapshot(), b.ToSnapshot());
        return x.Minted == y.Minted && x.Burned == y.Burned && x.Outbox.SequenceEqual(y.Outbox) &&
               x.Accounts.Length == y.Accounts.Length &&
               x.Accounts.Zip(y.Accounts).All(p => p.Item1.AccountId == p.Item2.AccountId && p.Item1.Available == p.Item2.Available &&
                                                  p.Item1.Staked == p.Item2.Staked && p.Item1.Reservations.SequenceEqual(p.Item2.Reservations));
    }
}
