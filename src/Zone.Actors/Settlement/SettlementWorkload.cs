using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Akka.Actor;
using Zone.Actors.Ledger;
using Zone.Actors.Money;

namespace Zone.Actors.Settlement;

/// <param name="RunId">Prefix of job ids: unique per run, so runs on one journal never reuse a reference.</param>
/// <param name="WindowJobs">Bound on jobs between reserve and settlement at any moment.</param>
/// <param name="ChunkJobs">Jobs started together: their reserves go out as one message per partition.</param>
/// <param name="LatencySamples">Bound on latency samples kept (a ring: the most recent ones).</param>
public sealed record WorkloadShape(string RunId, int Consumers, int Providers, int Verifiers, Opg PricePerJob, int WindowJobs, int ChunkJobs, int LedgerPartitions, int SettlementPartitions, int LatencySamples)
{
    public static string Consumer(int i) => $"consumer-{i}";
    public static string Provider(int i) => $"provider-{i}";
    public static string Verifier(int i) => $"verifier-{i}";
}

/// <summary>
/// Drives jobs through the whole money path, as a zone's job flow would: reserve the price on the consumer's account,
/// and once the reservation is durable, hand the job to its provider's settlement; a job is done when its batch is
/// settled (durably). Keeps a bounded window of jobs in flight and records reserve-to-settled latency.
/// </summary>
public sealed class SettlementWorkload : ReceiveActor
{
    public sealed record Start(long MaxJobs);

    public sealed record ResetStats
    {
        public static readonly ResetStats Instance = new();
    }

    /// <summary>Starts no new job; those in flight finish (open batches are sealed at once rather than after their wait).</summary>
    public sealed record Drain
    {
        public static readonly Drain Instance = new();
    }

    public sealed record GetStats
    {
        public static readonly GetStats Instance = new();
    }

    public sealed record Stats(long Settled, long Failed, long Rejected, long InFlight, TimeSpan Elapsed, ImmutableArray<double> LatencyMillis);

    private readonly WorkloadShape _shape;
    private readonly IActorRef _ledger;
    private readonly IActorRef _settlement;
    // Keyed by job number (the id's suffix): its hash and comparison never touch the id's characters.
    private readonly Dictionary<long, (long StartedAt, SettlementJob Job)> _inFlight = [];
    private readonly double[] _latencies;
    private readonly byte[] _salt;
    private readonly string[] _consumers, _providers, _verifiers;
    private readonly Stopwatch _sinceReset = Stopwatch.StartNew();
    private bool _draining;
    private long _next, _max, _settled, _failed, _rejected, _latencyCount;

    public SettlementWorkload(WorkloadShape shape, IActorRef ledger, IActorRef settlement)
    {
        _shape = shape;
        _ledger = ledger;
        _settlement = settlement;
        _latencies = new double[shape.LatencySamples];
        _salt = SHA256.HashData(Encoding.UTF8.GetBytes(shape.RunId))[..24];
        _consumers = Enumerable.Range(0, shape.Consumers).Select(WorkloadShape.Consumer).ToArray();
        _providers = Enumerable.Range(0, shape.Providers).Select(WorkloadShape.Provider).ToArray();
        _verifiers = Enumerable.Range(0, shape.Verifiers).Select(WorkloadShape.Verifier).ToArray();
        Receive<Start>(s => { _max = s.MaxJobs; Refill(); });
        Receive<LedgerReplies>(OnReserved);
        Receive<JobsSettled>(OnSettled);
        Receive<JobRejected>(OnRejected);
        Receive<ResetStats>(_ => { _settled = _failed = _rejected = _latencyCount = 0; _sinceReset.Restart(); });
        Receive<GetStats>(_ => Sender.Tell(Snapshot()));
        Receive<Drain>(_ =>
        {
            _draining = true;
            for (var p = 0; p < shape.SettlementPartitions; p++)
                _settlement.Tell(new SealOpenBatches(p.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        });
    }

    public static Props Props(WorkloadShape shape, IActorRef ledger, IActorRef settlement) =>
        Akka.Actor.Props.Create(() => new SettlementWorkload(shape, ledger, settlement));

    private void Refill()
    {
        while (!_draining && _inFlight.Count < _shape.WindowJobs && (_max == 0 || _next < _max))
        {
            var count = (int)Math.Min(Math.Min(_shape.ChunkJobs, _shape.WindowJobs - _inFlight.Count), _max == 0 ? long.MaxValue : _max - _next);
            var reserves = new List<ILedgerCommand>(count);
            var now = Stopwatch.GetTimestamp();
            for (var i = 0; i < count; i++) reserves.Add(StartJob(_next++, now));
            foreach (var message in LedgerPartitions.Route(reserves, _shape.LedgerPartitions)) _ledger.Tell(message);
        }
    }

    private Reserve StartJob(long n, long startedAt)
    {
        var id = $"{_shape.RunId}-{n}";
        // Synthetic 32-byte input and output hashes, distinct per job (its number and the run's salt): the driver stands in
        // for inference and does not spend the machine's CPU hashing pretend payloads.
        var input = new byte[32];
        BinaryPrimitives.WriteInt64LittleEndian(input, n);
        _salt.CopyTo(input.AsSpan(8));
        var output = (byte[])input.Clone();
        output[31] ^= 0xFF;
        var job = new SettlementJob(id, _consumers[(int)(n % _shape.Consumers)], _providers[(int)(n % _shape.Providers)],
            _verifiers[(int)(n % _shape.Verifiers)], _shape.PricePerJob, input, output);
        _inFlight[n] = (startedAt, job);
        return new Reserve(job.ConsumerId, id, job.Price);
    }

    private void OnReserved(LedgerReplies replies)
    {
        var accepted = new List<SettlementJob>(replies.Replies.Length);
        foreach (var reply in replies.Replies)
        {
            if (reply.Kind != LedgerCommandKind.Reserve || !_inFlight.TryGetValue(NumberOf(reply.Reference), out var started)) continue;
            if (reply.Accepted) accepted.Add(started.Job);
            else Drop(reply.Reference, ref _rejected);
        }
        foreach (var message in SettlementPartitions.Route(accepted, SettlementMode.ZoneDefault, _shape.SettlementPartitions))
        {
            _settlement.Tell(message);
            // Draining: nothing will fill these batches any more, so seal them now rather than after their wait.
            if (_draining) _settlement.Tell(new SealOpenBatches(message.EntityId));
        }
        Refill();
    }

    private void OnSettled(JobsSettled settled)
    {
        var now = Stopwatch.GetTimestamp();
        foreach (var id in settled.JobIds)
        {
            if (!_inFlight.Remove(NumberOf(id), out var started)) continue;
            _settled++;
            _latencies[_latencyCount++ % _latencies.Length] = Stopwatch.GetElapsedTime(started.StartedAt, now).TotalMilliseconds;
        }
        foreach (var id in settled.FailedJobIds) Drop(id, ref _failed);
        Refill();
    }

    private void OnRejected(JobRejected rejected)
    {
        // Settlement refused the job: refund the consumer, as the job flow does for rejected jobs.
        if (_inFlight.TryGetValue(NumberOf(rejected.JobId), out var started))
            _ledger.Tell(new LedgerCommands(LedgerPartitions.EntityIdOf(started.Job.ConsumerId, _shape.LedgerPartitions), [new Release(started.Job.ConsumerId, rejected.JobId)]));
        Drop(rejected.JobId, ref _rejected);
        Refill();
    }

    private void Drop(string jobId, ref long counter)
    {
        if (_inFlight.Remove(NumberOf(jobId))) counter++;
    }

    /// <summary>The number of a job of this run (ids are "{RunId}-{n}"); -1 for any other id.</summary>
    private long NumberOf(string jobId) =>
        jobId.Length > _shape.RunId.Length + 1 && jobId.StartsWith(_shape.RunId, StringComparison.Ordinal) && jobId[_shape.RunId.Length] == '-' &&
        long.TryParse(jobId.AsSpan(_shape.RunId.Length + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1;

    private Stats Snapshot()
    {
        var kept = (int)Math.Min(_latencyCount, _latencies.Length);
        return new Stats(_settled, _failed, _rejected, _inFlight.Count, _sinceReset.Elapsed, _latencies.AsSpan(0, kept).ToArray().ToImmutableArray());
    }
}
