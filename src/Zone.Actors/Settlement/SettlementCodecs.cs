using System.Collections.Immutable;
using Zone.Actors.Serialization;

namespace Zone.Actors.Settlement;

/// <summary>Binary codecs of settlement. Manifests are permanent.</summary>
public sealed class SettlementCodecs : ICodecModule
{
    public void Register(CodecRegistry r)
    {
        r.Add<SettlementJob>("settlement.job.v1", WriteJob, ReadJob);
        r.Add<AcceptJobs>("settlement.accept-jobs.v1",
            (w, m) => { w.WriteString(m.EntityId); w.WriteList(m.Jobs, WriteJob); w.WriteByte((byte)m.Mode); },
            rd => new AcceptJobs(rd.ReadString(), rd.ReadList(ReadJob), (SettlementMode)rd.ReadByte()));
        r.Add<JobsSettled>("settlement.jobs-settled.v1",
            (w, m) => { w.WriteString(m.BatchId); WriteStrings(w, m.JobIds); WriteStrings(w, m.FailedJobIds); },
            rd => new JobsSettled(rd.ReadString(), ReadStrings(rd), ReadStrings(rd)));
        r.Add<JobRejected>("settlement.job-rejected.v1", (w, m) => { w.WriteString(m.JobId); w.WriteString(m.Reason); }, rd => new JobRejected(rd.ReadString(), rd.ReadString()));
        r.Add<WakeSettlement>("settlement.wake.v1", (w, m) => w.WriteString(m.EntityId), rd => new WakeSettlement(rd.ReadString()));
        r.Add<BatchSealed>("settlement.batch-sealed.v1", WriteSealed, ReadSealed);
        r.Add<BatchSettled>("settlement.batch-settled.v1", WriteSettled, ReadSettled);
        r.Add<SettledJob>("settlement.settled-job.v3", WriteSettledJob, ReadSettledJob);
        r.Add<SealOpenBatches>("settlement.seal-open-batches.v1", (w, m) => w.WriteString(m.EntityId), rd => new SealOpenBatches(rd.ReadString()));
        r.Add<SettlementWritten>("settlement.written.v1",
            (w, m) => { w.WriteList(m.Sealed, WriteSealed); w.WriteList(m.Settled, WriteSettled); },
            rd => new SettlementWritten(rd.ReadList(ReadSealed), rd.ReadList(ReadSettled)));
        r.Add<SettlementSnapshot>("settlement.book-snapshot.v2", WriteBook, ReadBook);
        r.Add<SettlementPartitionSnapshot>("settlement.partition-snapshot.v2",
            (w, m) => { w.WriteList(m.Books, WriteBook); w.WriteList(m.SettledWindow, WriteSettledJob); },
            rd => new SettlementPartitionSnapshot(rd.ReadList(ReadBook), rd.ReadList(ReadSettledJob)));
        r.AddReader("settlement.partition-snapshot.v1", ReadPartitionSnapshotV1);
    }

    private static void WriteJob(ZoneWriter w, SettlementJob j)
    {
        w.WriteString(j.JobId); w.WriteString(j.ConsumerId); w.WriteString(j.ProviderId); w.WriteString(j.VerifierId);
        w.WriteOpg(j.Price); w.WriteBytes(j.InputHash); w.WriteBytes(j.OutputHash);
    }

    private static SettlementJob ReadJob(ZoneReader r) =>
        new(r.ReadString(), r.ReadString(), r.ReadString(), r.ReadString(), r.ReadOpg(), r.ReadBytes(), r.ReadBytes());

    private static void WriteSealed(ZoneWriter w, BatchSealed m)
    {
        w.WriteString(m.BatchId); w.WriteVarLong(m.Sequence); w.WriteByte((byte)m.Mode); w.WriteList(m.Jobs, WriteJob); w.WriteBytes(m.MerkleRoot);
    }

    private static BatchSealed ReadSealed(ZoneReader r) => new(r.ReadString(), r.ReadVarLong(), (SettlementMode)r.ReadByte(), r.ReadList(ReadJob), r.ReadBytes());

    private static void WriteSettled(ZoneWriter w, BatchSettled m)
    {
        w.WriteString(m.BatchId); WriteStrings(w, m.FailedJobIds); w.WriteOpg(m.Captured); w.WriteOpg(m.Credited); w.WriteOpg(m.Burned);
    }

    private static BatchSettled ReadSettled(ZoneReader r) => new(r.ReadString(), ReadStrings(r), r.ReadOpg(), r.ReadOpg(), r.ReadOpg());

    private static void WriteBook(ZoneWriter w, SettlementSnapshot m)
    {
        w.WriteString(m.ProviderId); w.WriteVarLong(m.NextSequence); w.WriteList(m.Unsettled, WriteSealed);
    }

    private static SettlementSnapshot ReadBook(ZoneReader r) => new(r.ReadString(), r.ReadVarLong(), r.ReadList(ReadSealed));

    private static void WriteSettledJob(ZoneWriter w, SettledJob m) { w.WriteString(m.ProviderId); w.WriteString(m.JobId); w.WriteVarLong(m.BatchSequence); }

    private static SettledJob ReadSettledJob(ZoneReader r) => new(r.ReadString(), r.ReadString(), r.ReadVarLong());

    /// <summary>
    /// Version 1 kept a settled window in each provider's book. They become the partition's window, book after book
    /// (within a book oldest first; across books the order they were settled in was not recorded).
    /// </summary>
    private static SettlementPartitionSnapshot ReadPartitionSnapshotV1(ZoneReader r)
    {
        var books = r.ReadList(x =>
        {
            var book = ReadBook(x);
            return (Book: book, Settled: x.ReadList(y => new SettledJob(book.ProviderId, y.ReadString(), y.ReadVarLong())));
        });
        return new SettlementPartitionSnapshot([.. books.Select(b => b.Book)], [.. books.SelectMany(b => b.Settled)]);
    }

    private static void WriteStrings(ZoneWriter w, ImmutableArray<string> items) => w.WriteList(items, (x, s) => x.WriteString(s));

    private static ImmutableArray<string> ReadStrings(ZoneReader r) => r.ReadList(x => x.ReadString());
}
