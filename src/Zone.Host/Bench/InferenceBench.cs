using System.Diagnostics;
using Akka.Actor;
using Akka.Configuration;
using TorchSharp;
using Zone.Host.Models;
using Zone.Inference.Commitments;
using Zone.Inference.Data;
using Zone.Inference.Execution;
using Zone.Inference.Runtime;
using Zone.Inference.Worker;
using Zone.Inference.Zoo;
using static TorchSharp.torch;

namespace Zone.Host.Bench;

/// <summary>
/// Per model: raw TorchSharp forward throughput at the worker's max batch size against throughput
/// through the InferenceWorker under closed-loop load, and the latency a lone job adds over the padded
/// forward pass it needs anyway. The raw limit is the better of two shapes: one caller with a libtorch thread per
/// core, and the worker's own shape (a caller per lane, each with the lane's threads). The load is
/// <see cref="BulkRequesters"/> requesters that each keep their share of (lanes + 1) x max-batch-size jobs in flight in <see cref="InferMany"/> messages (a provider forwarding
/// jobs in bulk), running between passes on the torch threads; beside it, the same number of jobs in flight as single-job
/// requesters, and the bulk load with its requesters on the .NET thread pool. For the language model a
/// forward pass yields one token per row, and a worker job generates <see cref="GeneratedTokensPerJob"/>.
/// </summary>
public sealed class InferenceBench : IBenchSuite
{
    private const int MaxLatencySamples = 200_000;
    private const int Rounds = 5;
    private const int GeneratedTokensPerJob = 16;
    private const int PromptCharacters = 32;
    private const int BulkRequesters = 8;
    private const int MinBatchesPerRound = 6;

    public string Name => "inference";
    public string Description => "raw TorchSharp batched forward vs the InferenceWorker under closed-loop load; added latency at batch 1";

    /// <summary>What one model is fed: rows for the raw pass, jobs for the worker, and what a job yields.</summary>
    /// <param name="LonePassRows">Rows of a lone job's forward pass once padded for batch invariance.</param>
    private sealed record Workload(string ModelId, Tensor Rows, InferenceInput[] ThroughputJobs, InferenceInput[] LatencyJobs, int UnitsPerJob, string Unit, int LonePassRows) : IDisposable
    {
        public void Dispose() => Rows.Dispose();
    }

    public async Task<BenchReport> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var inference = InferenceConfiguration.From(context.Configuration);
        var device = InferenceDevice.Resolve(inference.Device);
        var report = new BenchReport(Name);
        var round = context.Measure / Rounds;
        var batchSize = inference.Worker.MaxBatchSize;
        var lanes = inference.Worker.LanesOn(device.type);
        var threadsPerLane = inference.Worker.ThreadsFor(busyLanes: lanes);
        var loneThreads = inference.Worker.ThreadsFor(busyLanes: 1);
        var oneCaller = new RawShape(1, Environment.ProcessorCount);
        var workerShape = new RawShape(lanes, threadsPerLane);
        RawShape[] rawShapes = oneCaller == workerShape ? [workerShape] : [oneCaller, workerShape];
        // A batch running in every lane and the next one queued behind them.
        var jobsInFlight = (lanes + 1) * batchSize;
        var bulk = new Load(BulkRequesters, Math.Max(1, jobsInFlight / BulkRequesters), Bulk: true, OnTorchThreads: true);
        var single = bulk with { Requesters = jobsInFlight, JobsInFlightEach = 1, Bulk = false };
        var bulkOnPool = bulk with { OnTorchThreads = false };
        using var system = ActorSystem.Create("zone-bench-inference",
            ConfigurationFactory.ParseString("akka.loglevel = WARNING").WithFallback(InferenceWorker.DispatcherConfig(lanes)));
        var torchThreads = new TorchThreads(system, lanes);
        foreach (var workload in Workloads(inference.Models, inference.ModelsDirectory, device))
        {
            using var _ = workload;
            var id = workload.ModelId;
            cancellationToken.ThrowIfCancellationRequested();
            using var raw = new RawForward(id, inference.ModelsDirectory, device, workload.Rows, copies: lanes);
            await using var served = new ServedForward(id, inference, workload, system, round);
            foreach (var shape in rawShapes) await torchThreads.Throughput(raw, shape, batchSize, context.Warmup);
            await served.Throughput(bulk, context.Warmup);
            await served.Throughput(single, context.Warmup / 2);
            await served.Throughput(bulkOnPool, context.Warmup / 2);
            // A round must hold several of the worker's batches, or the start and the drain of the jobs in flight
            // decide it: a language-model batch of 16-token jobs takes 0.4-0.8 s here.
            var throughputRound = TimeSpan.FromTicks(Math.Max(round.Ticks,
                (long)(MinBatchesPerRound * served.LastMeanComputeMicros[bulk] * TimeSpan.TicksPerMicrosecond)));
            var rawRounds = rawShapes.ToDictionary(shape => shape, _ => new List<double>());
            var servedRounds = new List<double>();
            var singleRounds = new List<double>();
            var onPoolRounds = new List<double>();
            context.Progress($"{id}: {Rounds} alternating rounds of {throughputRound.TotalSeconds:0.0} s: raw forward (batch {batchSize}; " +
                $"{string.Join(", ", rawShapes.AsEnumerable())}), worker ({bulk}), worker ({single}) and worker ({bulkOnPool})");
            for (var i = 0; i < Rounds; i++)
            {
                foreach (var shape in rawShapes) rawRounds[shape].Add(await torchThreads.Throughput(raw, shape, batchSize, throughputRound));
                servedRounds.Add(await served.Throughput(bulk, throughputRound));
                singleRounds.Add(await served.Throughput(single, throughputRound));
                onPoolRounds.Add(await served.Throughput(bulkOnPool, throughputRound));
            }
            var limit = rawShapes.MaxBy(shape => rawRounds[shape].Max())!;
            report.Add($"{id} raw forward throughput", rawRounds[limit].Max(), $"{workload.Unit}/s, best of {Rounds} (batch {batchSize}; {limit}, the better shape)");
            foreach (var shape in rawShapes)
                report.Add($"{id} raw forward, {shape}", rawRounds[shape].Max(), $"{workload.Unit}/s, best of {Rounds}");
            report.Add($"{id} worker throughput", servedRounds.Max(), $"{workload.Unit}/s, best of {Rounds} ({bulk})");
            report.Add($"{id} worker mean batch", served.LastMeanBatchSize[bulk], "jobs/batch");
            report.Add($"{id} worker compute per batch", served.LastMeanComputeMicros[bulk], "µs (pack, forward, split, hash; last round)");
            report.Add($"{id} worker forward pass per batch", served.LastMeanForwardMicros[bulk], $"µs (last round; {lanes} lane(s) side by side)");
            report.Add($"{id} worker throughput, single-job messages", singleRounds.Max(), $"{workload.Unit}/s, best of {Rounds} ({single})");
            report.Add($"{id} worker compute per batch, single-job messages", served.LastMeanComputeMicros[single], "µs (last round)");
            report.Add($"{id} worker throughput, requesters on the .NET thread pool", onPoolRounds.Max(), $"{workload.Unit}/s, best of {Rounds} ({bulkOnPool})");
            report.Add($"{id} worker forward pass per batch, requesters on the .NET thread pool", served.LastMeanForwardMicros[bulkOnPool], "µs (last round)");

            context.Progress($"{id}: latency at batch 1: raw passes, lone jobs through the worker and bare actor round trips, in alternating rounds");
            var rawLatency = new List<double>();
            var paddedLatency = new List<double>();
            var lone = new List<ClosedLoopDriver.LoneJobCompleted>();
            var bare = new List<double>();
            for (var i = 0; i < Rounds; i++)
            {
                rawLatency.Add(await torchThreads.Run(() => raw.MedianLatencyMicros(1, loneThreads, round)));
                // A model whose lone pass needs no padding (the language model) would only measure the same pass again.
                paddedLatency.Add(workload.LonePassRows == 1 ? rawLatency[^1] : await torchThreads.Run(() => raw.MedianLatencyMicros(workload.LonePassRows, loneThreads, round)));
                await served.LoneJob(); // unmeasured, as the raw passes get a warm-up too
                var jobs = await Sample(served.LoneJob, round);
                lone.AddRange(jobs);
                var pass = TimeSpan.FromMicroseconds(Median(jobs.Select(j => j.ForwardMicros).ToList()));
                bare.AddRange(await Sample(() => served.BareRoundTripMicros(pass), round / 2));
            }
            // The worker's cost around its forward pass, per job: exact, whatever the pass itself took at that moment.
            var added = lone.Select(j => j.Micros - j.ForwardMicros).ToList();
            var (addedMedian, bareMedian) = (Median(added), Median(bare));
            var workerLatency = Median(lone.Select(j => j.Micros).ToList());
            report.Add($"{id} raw latency batch 1", rawLatency.Min(), $"µs median, best of {Rounds}");
            report.Add($"{id} raw latency batch 1, padded as the worker pads", paddedLatency.Min(), $"µs median, best of {Rounds} ({PaddingOf(workload.LonePassRows)})");
            report.Add($"{id} worker forward pass, lone job", Median(lone.Select(j => j.ForwardMicros).ToList()), $"µs median of {lone.Count} (the same padded pass, timed inside the worker)");
            report.Add($"{id} worker latency batch 1", workerLatency, $"µs median of {lone.Count} lone jobs (round trip)");
            report.Add($"{id} worker compute beside the pass, lone job", Median(lone.Select(j => j.ComputeMicros - j.ForwardMicros).ToList()),
                "µs median (packing, copying out, hashing; the rest of the added latency is messaging)");
            report.Add($"{id} added latency at batch 1", addedMedian, "µs median (round trip - the job's own forward pass)");
            report.Add($"{id} bare actor round trip", bareMedian, $"µs median of {bare.Count} (to an actor on a dedicated thread that is busy for as long as the pass: the messaging floor)");
            report.Add($"{id} added latency beyond the bare round trip", addedMedian - bareMedian, "µs (added latency - bare actor round trip: what the worker itself adds)");
            report.Add($"{id} added latency over the raw pass", workerLatency - paddedLatency.Min(), "µs (worker latency - padded raw latency)");
            report.Note($"{id}: added latency interquartile range {Percentile(added, 0.25):0} to {Percentile(added, 0.75):0} µs");
            report.AddRatio($"{id} worker / raw throughput", $"{id} worker throughput", $"{id} raw forward throughput");
            report.AddRatio($"{id} worker / raw throughput, single-job messages", $"{id} worker throughput, single-job messages", $"{id} raw forward throughput");
            report.AddRatio($"{id} worker / raw throughput, requesters on the .NET thread pool", $"{id} worker throughput, requesters on the .NET thread pool", $"{id} raw forward throughput");
            if (rawShapes.Length > 1)
                report.AddRatio($"{id} worker / raw, {oneCaller} (libtorch's default)", $"{id} worker throughput", $"{id} raw forward, {oneCaller}");
        }

        report.Note($"max batch size {batchSize}, max wait {inference.Worker.MaxWaitMicros} µs, {lanes} lane(s) x {threadsPerLane} libtorch thread(s) when all are busy ({loneThreads} for a batch alone), device {device.type}; OpenMP: {TorchBackend.OpenMpSettings}");
        report.Note($"raw limit: the better of {string.Join(" and ", rawShapes.AsEnumerable())}, each caller with its own copy of the model, passing the same rows; " +
            "a lone job's raw latency runs on one caller with the threads of a batch that runs alone");
        report.Note($"raw and worker phases alternate in {Rounds} short rounds (measure-seconds / {Rounds}, and at least {MinBatchesPerRound} worker batches) " +
            "and the best round of each is kept: the cores are shared, and the least disturbed round is the comparable one");
        report.Note($"output commitments: {Sha256.Implementation}");
        report.Note($"forward passes are padded until their matrix products have at least {BatchInvariance.MinProductRows} rows, so commitments are batch-invariant " +
            $"(a classifier's pass to {BatchInvariance.PaddedRows(1)} samples; the language model's products have {CharTransformer.Context} rows per sample and need none); 'added latency' is a lone job's round trip through the worker minus its own forward pass " +
            "(messaging, queueing, validation, packing, copying out, hashing); 'over the raw pass' subtracts the median padded raw pass instead (noisier: two passes at different moments); " +
            "the bare actor round trip is the same two hops to an actor on a dedicated thread of its own that stays busy as long as the pass, minus that time: the messaging floor");
        report.Note($"closed loop, {jobsInFlight} jobs in flight: '{bulk}' keep their jobs in InferMany messages and send one message of new jobs per reply; " +
            $"'{single}' send one Infer per job; either way the worker validates each job, batches, pads, runs, hashes every output (SHA-256 commitment) and replies; " +
            "requesters run between passes on the torch threads, as the raw callers do (on the .NET thread pool their threads preempt passes: measured beside)");
        report.Note($"language model: a raw pass over [batch, {CharTransformer.Context}] windows yields one token per row; worker jobs generate {GeneratedTokensPerJob} tokens " +
            "(throughput) or 1 token (latency) after a 32-character prompt, each step a full-window pass");
        await system.Terminate();
        return report;
    }

    /// <summary>The workloads of the configured models (zone.inference.models), in zoo order.</summary>
    private static IEnumerable<Workload> Workloads(IReadOnlyList<string> models, string modelsDirectory, Device device)
    {
        var classifiers = new[] { ModelZoo.FashionMlp, ModelZoo.FashionCnn }.Where(models.Contains).ToArray();
        if (classifiers.Length > 0)
        {
            var images = FashionMnist.LoadHeldOut(modelsDirectory);
            var imageJobs = Enumerable.Range(0, images.Count).Select(i => (InferenceInput)TensorInput.OfFloat32(images.Image(i), 1, 28, 28)).ToArray();
            foreach (var id in classifiers)
                yield return new Workload(id, tensor(images.Pixels, [images.Count, 1, 28, 28]).to(device), imageJobs, imageJobs, 1, "samples", BatchInvariance.PaddedRows(1));
        }
        if (!models.Contains(ModelZoo.FortunesCharLm)) yield break;

        var text = CharacterVocabulary.Encode(FortunesCorpus.LoadHeldOutSlice(modelsDirectory));
        var windows = text.Length / CharTransformer.Context;
        var prompts = Enumerable.Range(0, windows).Select(w => text.AsSpan(w * CharTransformer.Context, PromptCharacters).ToArray()).ToArray();
        yield return new Workload(ModelZoo.FortunesCharLm,
            tensor(text.AsSpan(0, windows * CharTransformer.Context).ToArray(), [windows, CharTransformer.Context]).to(device),
            prompts.Select(p => (InferenceInput)new GenerationInput(p, GeneratedTokensPerJob, Sampling.Greedy)).ToArray(),
            prompts.Select(p => (InferenceInput)new GenerationInput(p, 1, Sampling.Greedy)).ToArray(),
            GeneratedTokensPerJob, "tokens", BatchInvariance.PaddedRows(1, CharTransformer.Context));
    }

    /// <summary>How raw passes are run: <paramref name="Callers"/> threads side by side, each with <paramref name="Threads"/> libtorch threads.</summary>
    private sealed record RawShape(int Callers, int Threads)
    {
        public override string ToString() =>
            $"{(Callers == 1 ? "one caller" : $"{Callers} callers")} x {Threads} libtorch thread{(Threads == 1 ? "" : "s")}";
    }

    /// <summary>
    /// Runs the raw passes on the workers' own threads (<see cref="InferenceWorker.TorchDispatcher"/>), a runner actor per
    /// lane: libtorch's OpenMP keeps a team of threads per calling thread, and a team on a thread of its own would add
    /// OpenMP threads beyond the cores and cut the spin of every team's idle helpers (see the dispatcher). Raw rounds and
    /// worker rounds never overlap, so they share the threads without waiting on each other.
    /// </summary>
    private sealed class TorchThreads(ActorSystem system, int lanes)
    {
        private static readonly TimeSpan Limit = TimeSpan.FromMinutes(30);
        private readonly IActorRef[] _runners = Enumerable.Range(0, lanes)
            .Select(i => system.ActorOf(Props.Create(() => new Runner()).WithDispatcher(InferenceWorker.TorchDispatcher), $"raw-forward-{i}")).ToArray();

        public Task<T> Run<T>(Func<T> function) => Run(0, function);

        /// <summary>Rows per second of <paramref name="shape"/>'s callers, each passing its own rows through its own copy of the model.</summary>
        public async Task<double> Throughput(RawForward raw, RawShape shape, int batchSize, TimeSpan duration)
        {
            var callers = Enumerable.Range(0, shape.Callers).Select(i => Run(i, () => raw.Throughput(i, shape.Threads, batchSize, duration)));
            return (await Task.WhenAll(callers)).Sum();
        }

        private Task<T> Run<T>(int runner, Func<T> function) => _runners[runner].Ask<T>(new Func<object?>(() => function()), Limit);

        private sealed class Runner : ReceiveActor
        {
            public Runner() => Receive<Func<object?>>(function =>
            {
                try
                {
                    Sender.Tell(function());
                }
                catch (Exception e)
                {
                    Sender.Tell(new Status.Failure(e));
                }
            });
        }
    }

    /// <summary>The limit beneath the worker: the module's forward pass on prepared tensors, nothing else; a copy of the module per caller.</summary>
    private sealed class RawForward : IDisposable
    {
        private readonly nn.Module<Tensor, Tensor>[] _modules;
        private readonly Tensor _rows;

        public RawForward(string id, string modelsDirectory, Device device, Tensor rows, int copies)
        {
            _modules = Enumerable.Range(0, copies).Select(_ => (nn.Module<Tensor, Tensor>)ModelZoo.LoadModule(id, modelsDirectory)).ToArray();
            foreach (var module in _modules)
            {
                module.to(device);
                module.eval();
            }
            _rows = rows;
        }

        /// <summary>Rows per second of one caller: samples for a classifier, next tokens for the language model.</summary>
        public double Throughput(int caller, int threads, int batchSize, TimeSpan duration)
        {
            TorchBackend.UseThreadsOnThisThread(threads);
            // Callers pass different rows, as the worker's lanes do.
            var first = caller * batchSize + batchSize <= _rows.shape[0] ? caller * batchSize : 0;
            using var batch = _rows.narrow(0, first, batchSize).contiguous();
            var (passes, elapsed) = RunFor(duration, () => Forward(_modules[caller], batch));
            return passes * batchSize / elapsed.TotalSeconds;
        }

        /// <summary>One real row, followed by zero rows up to <paramref name="paddedRows"/>: the very pass a lone job runs in the worker.</summary>
        public double MedianLatencyMicros(int paddedRows, int threads, TimeSpan duration)
        {
            TorchBackend.UseThreadsOnThisThread(threads);
            using var real = _rows.narrow(0, 0, 1);
            using var padding = zeros([paddedRows - 1, .. real.shape.Skip(1)], real.dtype, real.device);
            using var batch = cat([real, padding], 0);
            return MedianMicros(duration, () => Forward(_modules[0], batch));
        }

        private static void Forward(nn.Module<Tensor, Tensor> module, Tensor batch)
        {
            using var noGrad = no_grad();
            module.forward(batch).to(CPU).Dispose();
        }

        public void Dispose()
        {
            foreach (var module in _modules) module.Dispose();
        }
    }

    /// <summary>
    /// A closed-loop load: <paramref name="Requesters"/> requesters, each keeping <paramref name="JobsInFlightEach"/>
    /// jobs in flight, in one <see cref="InferMany"/> per send when <paramref name="Bulk"/>, else one <see cref="Infer"/> per job.
    /// </summary>
    /// <param name="OnTorchThreads">
    /// Requesters run between passes on the workers' own threads (<see cref="InferenceWorker.TorchDispatcher"/>), rather than on
    /// the .NET thread pool. When every core runs a pass, a pool thread that wakes for a reply preempts a pass: measured
    /// here on fashion-mlp, the worker's passes took 419-557 µs per batch with the requesters on the pool against 364-408 µs
    /// with them on the torch threads (raw: 360-380 µs). Either way the requesters' own work is inside the measured time.
    /// </param>
    private sealed record Load(int Requesters, int JobsInFlightEach, bool Bulk, bool OnTorchThreads)
    {
        public override string ToString() =>
            $"{Requesters} requesters x {JobsInFlightEach} job{(JobsInFlightEach == 1 ? "" : "s")}, {(Bulk ? "multi-job" : "single-job")} messages, " +
            $"requesters on {(OnTorchThreads ? "the torch threads" : "the .NET thread pool")}";
    }

    /// <summary>The same model behind an InferenceWorker, driven by closed-loop requesters.</summary>
    private sealed class ServedForward : IAsyncDisposable
    {
        private readonly IActorRef _worker, _throughputDriver, _latencyDriver, _echo;
        private readonly TimeSpan _timeout;
        private readonly int _unitsPerJob;

        public ServedForward(string id, InferenceConfiguration inference, Workload workload, ActorSystem system, TimeSpan round)
        {
            _worker = system.ActorOf(InferenceWorker.ForZooModel(id, inference.ModelsDirectory, inference.Worker), $"worker-{id}");
            _throughputDriver = system.ActorOf(Props.Create(() => new ClosedLoopDriver(_worker, workload.ThroughputJobs, ActorRefs.Nobody)), $"throughput-driver-{id}");
            _echo = system.ActorOf(Props.Create(() => new Echo()).WithDispatcher("akka.io.pinned-dispatcher"), $"echo-{id}");
            _latencyDriver = system.ActorOf(Props.Create(() => new ClosedLoopDriver(_worker, workload.LatencyJobs, _echo)), $"latency-driver-{id}");
            _timeout = round + TimeSpan.FromSeconds(60);
            _unitsPerJob = workload.UnitsPerJob;
        }

        public Dictionary<Load, double> LastMeanBatchSize { get; } = [];
        public Dictionary<Load, double> LastMeanComputeMicros { get; } = [];
        public Dictionary<Load, double> LastMeanForwardMicros { get; } = [];

        public async Task<double> Throughput(Load load, TimeSpan duration)
        {
            var completed = await _throughputDriver.Ask<ClosedLoopDriver.Completed>(new ClosedLoopDriver.Run(duration, load), _timeout + duration);
            LastMeanBatchSize[load] = completed.MeanBatchSize;
            LastMeanComputeMicros[load] = completed.MeanComputeMicros;
            LastMeanForwardMicros[load] = completed.MeanForwardMicros;
            return completed.Jobs * _unitsPerJob / completed.Elapsed.TotalSeconds;
        }

        /// <summary>The round trip of one job alone in the worker, timed by the driver actor (the Ask's own cost is outside it).</summary>
        public Task<ClosedLoopDriver.LoneJobCompleted> LoneJob() =>
            _latencyDriver.Ask<ClosedLoopDriver.LoneJobCompleted>(ClosedLoopDriver.LoneJob.Instance, _timeout);

        /// <summary>
        /// The same two hops to an actor on a dedicated thread of its own, as the workers have theirs, which is busy for
        /// <paramref name="busy"/> before it answers (so the requester's thread idles as long as for a job): the
        /// round trip minus the busy time is the messaging floor beneath a lone job.
        /// </summary>
        public async Task<double> BareRoundTripMicros(TimeSpan busy) =>
            (await _latencyDriver.Ask<ClosedLoopDriver.BareRoundTripCompleted>(new ClosedLoopDriver.BareRoundTrip(busy), _timeout)).Micros;

        public async ValueTask DisposeAsync()
        {
            await _echo.GracefulStop(_timeout);
            await _throughputDriver.GracefulStop(_timeout);
            await _latencyDriver.GracefulStop(_timeout);
            await _worker.GracefulStop(_timeout);
        }
    }

    /// <summary>Results of <paramref name="next"/>, awaited one after another for <paramref name="duration"/> (a closed loop of one).</summary>
    private static async Task<List<T>> Sample<T>(Func<Task<T>> next, TimeSpan duration)
    {
        var samples = new List<T>();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < duration && samples.Count < MaxLatencySamples) samples.Add(await next());
        return samples;
    }

    private static string PaddingOf(int passRows) => passRows == 1 ? "1 row, no padding needed" : $"1 row + {passRows - 1} zero rows";

    private static double MedianMicros(TimeSpan duration, Action action)
    {
        RunFor(TimeSpan.FromMilliseconds(50), action);
        var samples = new List<double>();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < duration && samples.Count < MaxLatencySamples)
        {
            var start = Stopwatch.GetTimestamp();
            action();
            samples.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
        }
        return Median(samples);
    }

    private static (long Count, TimeSpan Elapsed) RunFor(TimeSpan duration, Action action)
    {
        var clock = Stopwatch.StartNew();
        long count = 0;
        do
        {
            action();
            count++;
        } while (clock.Elapsed < duration);
        return (count, clock.Elapsed);
    }

    private static double Median(List<double> samples) => Percentile(samples, 0.5);

    private static double Percentile(List<double> samples, double quantile)
    {
        if (samples.Count == 0) return double.NaN;
        samples.Sort();
        return samples[Math.Min(samples.Count - 1, (int)(quantile * samples.Count))];
    }

    /// <summary>Answers a ping after keeping its thread busy for the asked time, as a forward pass would, and says how long that was.</summary>
    private sealed class Echo : ReceiveActor
    {
        public sealed record Ping(TimeSpan Busy);

        public sealed record Pong(double BusyMicros);

        public Echo() => Receive<Ping>(ping =>
        {
            var started = Stopwatch.GetTimestamp();
            while (Stopwatch.GetElapsedTime(started) < ping.Busy) Thread.SpinWait(64);
            Sender.Tell(new Pong(Stopwatch.GetElapsedTime(started).TotalMicroseconds));
        });
    }

    /// <summary>
    /// Drives the worker: a round of closed-loop requesters (started at once, their reports added up when they are
    /// done), or one lone job or one bare round trip at a time, timed here so that the asker's own cost stays outside.
    /// </summary>
    private sealed class ClosedLoopDriver : ReceiveActor
    {
        public sealed record Run(TimeSpan Duration, Load Load);

        public sealed record Completed(long Jobs, TimeSpan Elapsed, double MeanBatchSize, double MeanComputeMicros, double MeanForwardMicros);

        public sealed record LoneJob
        {
            public static readonly LoneJob Instance = new();
        }

        public sealed record LoneJobCompleted(double Micros, double ComputeMicros, double ForwardMicros);

        public sealed record BareRoundTrip(TimeSpan Busy);

        public sealed record BareRoundTripCompleted(double Micros);

        private readonly IActorRef _worker, _echo;
        private readonly InferenceInput[] _inputs;
        private IActorRef _replyTo = ActorRefs.Nobody;
        private Stopwatch _clock = new();
        private long _jobs, _batchSizeSum, _computeMicrosSum, _forwardMicrosSum;
        private int _running, _round, _nextLoneInput;
        private long _sentAt;

        public ClosedLoopDriver(IActorRef worker, InferenceInput[] inputs, IActorRef echo)
        {
            _worker = worker;
            _inputs = inputs;
            _echo = echo;
            Receive<Run>(Start);
            Receive<Requester.Finished>(OnFinished);
            Receive<LoneJob>(_ =>
            {
                _replyTo = Sender;
                _sentAt = Stopwatch.GetTimestamp();
                _worker.Tell(new Infer("lone", _inputs[_nextLoneInput++ % _inputs.Length]));
            });
            Receive<InferenceCompleted>(c => _replyTo.Tell(new LoneJobCompleted(Stopwatch.GetElapsedTime(_sentAt).TotalMicroseconds, c.ComputeMicros, c.ForwardMicros)));
            Receive<InferenceRejected>(r => throw new InvalidOperationException($"bench job rejected: {r.Reason} {r.Detail}"));
            Receive<BareRoundTrip>(trip =>
            {
                _replyTo = Sender;
                _sentAt = Stopwatch.GetTimestamp();
                _echo.Tell(new Echo.Ping(trip.Busy));
            });
            Receive<Echo.Pong>(pong => _replyTo.Tell(new BareRoundTripCompleted(Stopwatch.GetElapsedTime(_sentAt).TotalMicroseconds - pong.BusyMicros)));
        }

        private void Start(Run run)
        {
            (_replyTo, _jobs, _batchSizeSum, _computeMicrosSum, _forwardMicrosSum, _running) = (Sender, 0, 0, 0, 0, run.Load.Requesters);
            _round++;
            _clock = Stopwatch.StartNew();
            var deadline = Stopwatch.GetTimestamp() + (long)(run.Duration.TotalSeconds * Stopwatch.Frequency);
            for (var i = 0; i < run.Load.Requesters; i++)
            {
                // Requesters start at different inputs, so a batch holds different samples.
                var first = i * run.Load.JobsInFlightEach;
                // Props from arguments, not from a lambda: an expression's closure is compiled per actor, and a round of
                // single-job requesters then JIT-compiled ~400 methods (65-120 ms of a 600 ms round) while measuring.
                var props = Props.Create<Requester>(_worker, _inputs, first, run.Load, deadline);
                Context.ActorOf(run.Load.OnTorchThreads ? props.WithDispatcher(InferenceWorker.TorchDispatcher) : props, $"r{_round}-{i}");
            }
        }

        private void OnFinished(Requester.Finished finished)
        {
            _jobs += finished.Jobs;
            _batchSizeSum += finished.BatchSizeSum;
            _computeMicrosSum += finished.ComputeMicrosSum;
            _forwardMicrosSum += finished.ForwardMicrosSum;
            if (--_running > 0) return;
            _replyTo.Tell(new Completed(_jobs, _clock.Elapsed, _jobs == 0 ? 0 : (double)_batchSizeSum / _jobs,
                _jobs == 0 ? 0 : (double)_computeMicrosSum / _jobs, _jobs == 0 ? 0 : (double)_forwardMicrosSum / _jobs));
        }
    }

    /// <summary>
    /// Keeps its jobs in flight until the deadline: each completed job is replaced by the next input at once,
    /// all of a reply's replacements in one InferMany in bulk mode. Then it waits for its last jobs, reports and stops.
    /// </summary>
    private sealed class Requester : ReceiveActor
    {
        public sealed record Finished(long Jobs, long BatchSizeSum, long ComputeMicrosSum, long ForwardMicrosSum);

        private readonly IActorRef _worker;
        private readonly InferenceInput[] _inputs;
        private readonly bool _bulk;
        private readonly long _deadline;
        private readonly string[] _slotIds;
        private long _next, _jobs, _batchSizeSum, _computeMicrosSum, _forwardMicrosSum;
        private int _inFlight;

        public Requester(IActorRef worker, InferenceInput[] inputs, int firstInput, Load load, long deadlineTimestamp)
        {
            (_worker, _inputs, _next, _bulk, _deadline) = (worker, inputs, firstInput, load.Bulk, deadlineTimestamp);
            _slotIds = Enumerable.Range(0, load.JobsInFlightEach).Select(i => i.ToString()).ToArray();
            Receive<InferenceCompleted>(completed => Replace([Record(completed)]));
            Receive<InferManyCompleted>(many => Replace(many.Jobs.Select(Record).ToArray()));
            Receive<InferenceRejected>(r => throw new InvalidOperationException($"bench job rejected: {r.Reason} {r.Detail}"));
        }

        protected override void PreStart()
        {
            _inFlight = _slotIds.Length;
            Send(Enumerable.Range(0, _slotIds.Length).ToArray());
        }

        private int Record(InferenceCompleted completed)
        {
            var slot = int.Parse(completed.JobId);
            _jobs++;
            _batchSizeSum += completed.BatchSize;
            _computeMicrosSum += completed.ComputeMicros;
            _forwardMicrosSum += completed.ForwardMicros;
            return slot;
        }

        private void Replace(int[] slots)
        {
            if (Stopwatch.GetTimestamp() < _deadline)
            {
                Send(slots);
                return;
            }
            _inFlight -= slots.Length;
            if (_inFlight > 0) return;
            Context.Parent.Tell(new Finished(_jobs, _batchSizeSum, _computeMicrosSum, _forwardMicrosSum));
            Context.Stop(Self);
        }

        private void Send(int[] slots)
        {
            var jobs = new Infer[slots.Length];
            for (var i = 0; i < slots.Length; i++) jobs[i] = new Infer(_slotIds[slots[i]], _inputs[_next++ % _inputs.Length]);
            if (_bulk) _worker.Tell(new InferMany(jobs));
            else
                foreach (var job in jobs) _worker.Tell(job);
        }
    }
}
