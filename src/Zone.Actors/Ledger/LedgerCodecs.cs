using System.Runtime.Serialization;
using Zone.Actors.Serialization;

namespace Zone.Actors.Ledger;

/// <summary>
/// Binary codecs of the ledger. Commands inside entries and envelopes are written as a kind byte and their fields,
/// not as nested manifests: a journal row of a busy partition holds thousands of them. Manifests and kind numbers are
/// permanent.
/// </summary>
public sealed class LedgerCodecs : ICodecModule
{
    public void Register(CodecRegistry r)
    {
        r.Add<Mint>("ledger.mint.v1", (w, m) => WriteBody(w, m), rd => (Mint)ReadBody(rd, LedgerCommandKind.Mint));
        r.Add<Transfer>("ledger.transfer.v1", (w, m) => WriteBody(w, m), rd => (Transfer)ReadBody(rd, LedgerCommandKind.Transfer));
        r.Add<Reserve>("ledger.reserve.v1", (w, m) => WriteBody(w, m), rd => (Reserve)ReadBody(rd, LedgerCommandKind.Reserve));
        r.Add<Release>("ledger.release.v1", (w, m) => WriteBody(w, m), rd => (Release)ReadBody(rd, LedgerCommandKind.Release));
        r.Add<Capture>("ledger.capture.v1", (w, m) => WriteBody(w, m), rd => (Capture)ReadBody(rd, LedgerCommandKind.Capture));
        r.Add<Credit>("ledger.credit.v1", (w, m) => WriteBody(w, m), rd => (Credit)ReadBody(rd, LedgerCommandKind.Credit));
        r.Add<Burn>("ledger.burn.v1", (w, m) => WriteBody(w, m), rd => (Burn)ReadBody(rd, LedgerCommandKind.Burn));
        r.Add<Stake>("ledger.stake.v1", (w, m) => WriteBody(w, m), rd => (Stake)ReadBody(rd, LedgerCommandKind.Stake));
        r.Add<Unstake>("ledger.unstake.v1", (w, m) => WriteBody(w, m), rd => (Unstake)ReadBody(rd, LedgerCommandKind.Unstake));
        r.Add<Slash>("ledger.slash.v1", (w, m) => WriteBody(w, m), rd => (Slash)ReadBody(rd, LedgerCommandKind.Slash));
        r.Add<LedgerCommands>("ledger.commands.v1",
            (w, m) => { w.WriteString(m.EntityId); w.WriteList(m.Commands, WriteCommand); },
            rd => new LedgerCommands(rd.ReadString(), rd.ReadList(ReadCommand)));
        r.Add<LedgerReply>("ledger.reply.v1", WriteReply, ReadReply);
        r.Add<LedgerReplies>("ledger.replies.v1",
            (w, m) => { w.WriteString(m.PartitionId); w.WriteList(m.Replies, WriteReply); },
            rd => new LedgerReplies(rd.ReadString(), rd.ReadList(ReadReply)));
        r.Add<GetPartitionBalances>("ledger.get-balances.v1", (w, m) => w.WriteString(m.EntityId), rd => new GetPartitionBalances(rd.ReadString()));
        r.Add<WakeLedgerPartition>("ledger.wake.v1", (w, m) => w.WriteString(m.EntityId), rd => new WakeLedgerPartition(rd.ReadString()));
        r.Add<LedgerEntry>("ledger.entry.v1", WriteEntry, ReadEntry);
        r.Add<LedgerEntriesWritten>("ledger.entries-written.v1",
            (w, m) => { w.WriteList(m.Entries, WriteEntry); w.WriteList(m.DeliveredCredits, (x, s) => x.WriteString(s)); },
            rd => new LedgerEntriesWritten(rd.ReadList(ReadEntry), rd.ReadList(x => x.ReadString())));
        r.Add<OutboxCredit>("ledger.outbox-credit.v1", WriteOutbox, ReadOutbox);
        r.Add<ReservationSnapshot>("ledger.reservation-snapshot.v1", WriteReservation, ReadReservation);
        r.Add<AccountSnapshot>("ledger.account-snapshot.v1", WriteAccount, ReadAccount);
        r.Add<DedupRecord>("ledger.dedup-record.v1", WriteDedup, ReadDedup);
        r.Add<LedgerPartitionSnapshot>("ledger.partition-snapshot.v2",
            (w, m) =>
            {
                w.WriteList(m.Accounts, WriteAccount); w.WriteList(m.DedupWindow, WriteDedup); w.WriteList(m.Outbox, WriteOutbox);
                w.WriteOpg(m.Minted); w.WriteOpg(m.Burned);
            },
            rd => new LedgerPartitionSnapshot(rd.ReadList(ReadAccount), rd.ReadList(ReadDedup), rd.ReadList(ReadOutbox), rd.ReadOpg(), rd.ReadOpg()));
        r.Add<PartitionBalances>("ledger.partition-balances.v1",
            (w, m) => { w.WriteString(m.PartitionId); w.WriteList(m.Accounts, WriteAccount); w.WriteOpg(m.InFlight); w.WriteOpg(m.Minted); w.WriteOpg(m.Burned); },
            rd => new PartitionBalances(rd.ReadString(), rd.ReadList(ReadAccount), rd.ReadOpg(), rd.ReadOpg(), rd.ReadOpg()));
    }

    public static void WriteCommand(ZoneWriter w, ILedgerCommand command)
    {
        w.WriteByte((byte)command.Kind);
        WriteBody(w, command);
    }

    public static ILedgerCommand ReadCommand(ZoneReader r) => ReadBody(r, (LedgerCommandKind)r.ReadByte());

    private static void WriteBody(ZoneWriter w, ILedgerCommand command)
    {
        w.WriteString(command.AccountId);
        w.WriteString(command.Reference);
        switch (command)
        {
            case Mint c: w.WriteOpg(c.Amount); break;
            case Transfer c: w.WriteString(c.ToAccountId); w.WriteOpg(c.Amount); break;
            case Reserve c: w.WriteOpg(c.Amount); break;
            case Release: break;
            case Capture c: w.WriteString(c.ClearingKey); w.WriteList(c.Reservations, (x, s) => x.WriteString(s)); break;
            case Credit c: w.WriteOpg(c.Amount); w.WriteString(c.ClearingKey); break;
            case Burn c: w.WriteOpg(c.Amount); w.WriteString(c.ClearingKey); break;
            case Stake c: w.WriteOpg(c.Amount); w.WriteVarLong(c.ZoneTimeMillis); break;
            case Unstake c: w.WriteOpg(c.Amount); w.WriteVarLong(c.ZoneTimeMillis); break;
            case Slash c: w.WriteInt(c.FractionBps); w.WriteString(c.BeneficiaryId); w.WriteInt(c.BountyBps); w.WriteBool(c.BurnRest); break;
            default: throw new SerializationException($"no codec for ledger command {command.GetType().Name}");
        }
    }

    private static ILedgerCommand ReadBody(ZoneReader r, LedgerCommandKind kind)
    {
        var account = r.ReadString();
        var reference = r.ReadString();
        return kind switch
        {
            LedgerCommandKind.Mint => new Mint(account, reference, r.ReadOpg()),
            LedgerCommandKind.Transfer => new Transfer(account, reference, r.ReadString(), r.ReadOpg()),
            LedgerCommandKind.Reserve => new Reserve(account, reference, r.ReadOpg()),
            LedgerCommandKind.Release => new Release(account, reference),
            LedgerCommandKind.Capture => new Capture(account, reference, r.ReadString(), r.ReadList(x => x.ReadString())),
            LedgerCommandKind.Credit => new Credit(account, reference, r.ReadOpg(), r.ReadString()),
            LedgerCommandKind.Burn => new Burn(account, reference, r.ReadOpg(), r.ReadString()),
            LedgerCommandKind.Stake => new Stake(account, reference, r.ReadOpg(), r.ReadVarLong()),
            LedgerCommandKind.Unstake => new Unstake(account, reference, r.ReadOpg(), r.ReadVarLong()),
            LedgerCommandKind.Slash => new Slash(account, reference, r.ReadInt(), r.ReadString(), r.ReadInt(), r.ReadBool()),
            _ => throw new SerializationException($"unknown ledger command kind {(byte)kind}"),
        };
    }

    private static void WriteEntry(ZoneWriter w, LedgerEntry e) { WriteCommand(w, e.Command); w.WriteOpg(e.Amount); }

    private static LedgerEntry ReadEntry(ZoneReader r) => new(ReadCommand(r), r.ReadOpg());

    private static void WriteReply(ZoneWriter w, LedgerReply m)
    {
        w.WriteString(m.AccountId); w.WriteString(m.Reference); w.WriteByte((byte)m.Kind); w.WriteByte((byte)m.Rejection);
        w.WriteOpg(m.Amount); w.WriteBool(m.Duplicate); w.WriteString(m.Detail);
    }

    private static LedgerReply ReadReply(ZoneReader r) =>
        new(r.ReadString(), r.ReadString(), (LedgerCommandKind)r.ReadByte(), (LedgerRejectionReason)r.ReadByte(), r.ReadOpg(), r.ReadBool(), r.ReadString());

    private static void WriteOutbox(ZoneWriter w, OutboxCredit m) { w.WriteString(m.ClearingKey); w.WriteString(m.ToAccountId); w.WriteOpg(m.Amount); }

    private static OutboxCredit ReadOutbox(ZoneReader r) => new(r.ReadString(), r.ReadString(), r.ReadOpg());

    private static void WriteDedup(ZoneWriter w, DedupRecord m)
    {
        w.WriteByte((byte)m.Kind); w.WriteString(m.AccountId); w.WriteString(m.Reference); w.WriteOpg(m.Amount); w.WriteVarULong(m.Content);
    }

    private static DedupRecord ReadDedup(ZoneReader r) => new((LedgerCommandKind)r.ReadByte(), r.ReadString(), r.ReadString(), r.ReadOpg(), r.ReadVarULong());

    private static void WriteReservation(ZoneWriter w, ReservationSnapshot m) { w.WriteString(m.Reference); w.WriteOpg(m.Amount); }

    private static ReservationSnapshot ReadReservation(ZoneReader r) => new(r.ReadString(), r.ReadOpg());

    private static void WriteAccount(ZoneWriter w, AccountSnapshot m)
    {
        w.WriteString(m.AccountId); w.WriteOpg(m.Available); w.WriteOpg(m.Staked); w.WriteVarLong(m.StakeUnlocksAtMillis);
        w.WriteList(m.Reservations, WriteReservation);
    }

    private static AccountSnapshot ReadAccount(ZoneReader r) => new(r.ReadString(), r.ReadOpg(), r.ReadOpg(), r.ReadVarLong(), r.ReadList(ReadReservation));
}
