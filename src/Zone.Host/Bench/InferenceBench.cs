using System.Diagnostics;
using Akka.Actor;
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
/// Per classifier: raw TorchSharp forward throughput at the worker's max batch size against throughput
/// through the InferenceWorker under closed-loop load (requesters each keep one job in flight), and the
/// latency a lone job adds over the padded forward pass it needs anyway.
/// </summary>
public sealed class InferenceBench : IBenchSuite
{
    private const int MaxLatencySamples = 200_000;
    private const int Rounds = 5;
    private static readonly string[] BenchedModels = [ModelZoo.FashionMlp, ModelZoo.FashionCnn];

    public string Name => "inference";
    public string Description => "raw TorchSharp batched forward vs the InferenceWorker under closed-loop load; added latency at batch 1";

    public async Task<BenchReport> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var inference = InferenceConfiguration.From(context.Configuration);
        if (inference.Threads > 0) TorchBackend.SetThreads(inference.Threads);
        var device = InferenceDevice.Resolve(inference.Device);
        var images = FashionMnist.LoadHeldOut(inference.ModelsDirectory);
        var inputs = Enumerable.Range(0, images.Count).Select(i => TensorInput.OfFloat32(images.Image(i), 1, 28, 28)).ToArray();
        var report = new BenchReport(Name);
        var round = context.Measure / Rounds;
        using var system = ActorSystem.Create("zone-bench-inference", "akka.loglevel = WARNING");
        foreach (var id in BenchedModels)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var raw = new RawForward(id, inference, device, images);
            await using var served = new ServedForward(id, inference, device, inputs, system, round);
            raw.Throughput(context.Warmup);
            await served.Throughput(2 * inference.Worker.MaxBatchSize, context.Warmup);
            var rawRounds = new List<double>();
            var servedRounds = new List<double>();
            context.Progress($"{id}: {Rounds} alternating rounds of raw forward (batch {inference.Worker.MaxBatchSize}) and worker ({2 * inference.Worker.MaxBatchSize} requesters)");
            for (var i = 0; i < Rounds; i++)
            {
                rawRounds.Add(raw.Throughput(round));
                servedRounds.Add(await served.Throughput(2 * inference.Worker.MaxBatchSize, round));
            }
            report.Add($"{id} raw forward throughput", rawRounds.Max(), $"samples/s, best of {Rounds} (batch {inference.Worker.MaxBatchSize})");
            report.Add($"{id} worker throughput", servedRounds.Max(), $"samples/s, best of {Rounds} ({2 * inference.Worker.MaxBatchSize} requesters)");
            report.Add($"{id} worker mean batch", served.LastMeanBatchSize, "jobs/batch");
            report.Add($"{id} worker compute per batch", served.LastMeanComputeMicros, "µs (pack, forward, split, hash; last round)");

            context.Progress($"{id}: latency at batch 1, raw and through the worker");
            var rawLatency = new List<double>();
            var paddedLatency = new List<double>();
            var servedLatency = new List<double>();
            for (var i = 0; i < Rounds; i++)
            {
                rawLatency.Add(raw.MedianLatencyMicros(1, round));
                paddedLatency.Add(raw.MedianLatencyMicros(BatchInvariance.MinRowsPerForward, round));
                servedLatency.Add(await served.MedianLatencyMicros(round));
            }
            report.Add($"{id} raw latency batch 1", rawLatency.Min(), $"µs median, best of {Rounds}");
            report.Add($"{id} raw latency batch 1 padded to 16", paddedLatency.Min(), $"µs median, best of {Rounds}");
            report.Add($"{id} worker latency batch 1", servedLatency.Min(), $"µs median, best of {Rounds}");
            report.Add($"{id} added latency at batch 1", servedLatency.Min() - paddedLatency.Min(), "µs (worker - padded raw)");
            report.AddRatio($"{id} worker / raw throughput", $"{id} worker throughput", $"{id} raw forward throughput");
        }
        report.Note($"max batch size {inference.Worker.MaxBatchSize}, max wait {inference.Worker.MaxWaitMicros} µs, libtorch threads {get_num_threads()}, device {device.type}");
        report.Note("raw and worker phases alternate in short rounds and the best round of each is kept: the cores are shared, and the least disturbed round is the comparable one");
        report.Note("every forward pass is padded to at least 16 rows so commitments are batch-invariant; 'added latency' is the worker's median over the padded raw pass");
        report.Note("closed loop: each requester keeps one job in flight; the worker validates, batches, pads, runs, hashes every output (SHA-256 commitment) and replies");
        await system.Terminate();
        return report;
    }

    /// <summary>The limit beneath the worker: the module's forward pass on prepared tensors, nothing else.</summary>
    private sealed class RawForward : IDisposable
    {
        private readonly nn.Module<Tensor, Tensor> _module;
        private readonly Tensor _images;
        private readonly int _batchSize;

        public RawForward(string id, InferenceConfiguration inference, Device device, LabelledImages images)
        {
            _module = (nn.Module<Tensor, Tensor>)ModelZoo.LoadModule(id, inference.ModelsDirectory);
            _module.to(device);
            _module.eval();
            _images = tensor(images.Pixels, [images.Count, 1, 28, 28]).to(device);
            _batchSize = inference.Worker.MaxBatchSize;
        }

        public double Throughput(TimeSpan duration)
        {
            using var batch = _images.narrow(0, 0, _batchSize).contiguous();
            var (passes, elapsed) = RunFor(duration, () => Forward(batch));
            return passes * _batchSize / elapsed.TotalSeconds;
        }

        public double MedianLatencyMicros(int rows, TimeSpan duration)
        {
            using var batch = _images.narrow(0, 0, rows).contiguous();
            return MedianMicros(duration, () => Forward(batch));
        }

        private void Forward(Tensor batch)
        {
            using var noGrad = no_grad();
            _module.forward(batch).to(CPU).Dispose();
        }

        public void Dispose()
        {
            _images.Dispose();
            _module.Dispose();
        }
    }

    /// <summary>The same model behind an InferenceWorker, driven by closed-loop requesters.</summary>
    private sealed class ServedForward : IAsyncDisposable
    {
        private readonly IActorRef _worker, _driver;
        private readonly TimeSpan _timeout;

        public ServedForward(string id, InferenceConfiguration inference, Device device, TensorInput[] inputs, ActorSystem system, TimeSpan round)
        {
            _worker = system.ActorOf(InferenceWorker.Props(ModelZoo.Load(id, inference.ModelsDirectory, device), inference.Worker), $"worker-{id}");
            _driver = system.ActorOf(Props.Create(() => new ClosedLoopDriver(_worker, inputs)), $"driver-{id}");
            _timeout = round + TimeSpan.FromSeconds(60);
        }

        public double LastMeanBatchSize { get; private set; }
        public double LastMeanComputeMicros { get; private set; }

        public async Task<double> Throughput(int requesters, TimeSpan duration)
        {
            var completed = await _driver.Ask<ClosedLoopDriver.Completed>(new ClosedLoopDriver.Run(duration, requesters), _timeout + duration);
            LastMeanBatchSize = completed.MeanBatchSize;
            LastMeanComputeMicros = completed.MeanComputeMicros;
            return completed.Jobs / completed.Elapsed.TotalSeconds;
        }

        public async Task<double> MedianLatencyMicros(TimeSpan duration) =>
            (await _driver.Ask<ClosedLoopDriver.Completed>(new ClosedLoopDriver.Run(duration, 1), _timeout + duration)).MedianLatencyMicros;

        public async ValueTask DisposeAsync()
        {
            await _driver.GracefulStop(_timeout);
            await _worker.GracefulStop(_timeout);
        }
    }

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

    private static double Median(List<double> samples)
    {
        if (samples.Count == 0) return double.NaN;
        samples.Sort();
        return samples[samples.Count / 2];
    }

    /// <summary>Keeps <c>requesters</c> jobs in flight: each reply immediately sends that requester's next job.</summary>
    private sealed class ClosedLoopDriver : ReceiveActor
    {
        public sealed record Run(TimeSpan Duration, int Requesters);

        public sealed record Completed(long Jobs, TimeSpan Elapsed, double MedianLatencyMicros, double MeanBatchSize, double MeanComputeMicros);

        private readonly IActorRef _worker;
        private readonly TensorInput[] _inputs;
        private readonly List<double> _latencies = [];
        private string[] _slotIds = [];
        private long[] _sentAt = [];
        private IActorRef _replyTo = ActorRefs.Nobody;
        private Stopwatch _clock = new();
        private TimeSpan _duration;
        private long _jobs, _batchSizeSum, _computeMicrosSum, _next;
        private int _inFlight;

        public ClosedLoopDriver(IActorRef worker, TensorInput[] inputs)
        {
            _worker = worker;
            _inputs = inputs;
            Receive<Run>(Start);
            Receive<InferenceCompleted>(OnCompleted);
            Receive<InferenceRejected>(r => throw new InvalidOperationException($"bench job rejected: {r.Reason} {r.Detail}"));
        }

        private void Start(Run run)
        {
            (_replyTo, _duration, _jobs, _batchSizeSum, _computeMicrosSum, _inFlight) = (Sender, run.Duration, 0, 0, 0, run.Requesters);
            _latencies.Clear();
            _slotIds = Enumerable.Range(0, run.Requesters).Select(i => i.ToString()).ToArray();
            _sentAt = new long[run.Requesters];
            _clock = Stopwatch.StartNew();
            for (var slot = 0; slot < run.Requesters; slot++) Send(slot);
        }

        private void OnCompleted(InferenceCompleted completed)
        {
            var slot = int.Parse(completed.JobId);
            _jobs++;
            _batchSizeSum += completed.BatchSize;
            _computeMicrosSum += completed.ComputeMicros;
            if (_latencies.Count < MaxLatencySamples) _latencies.Add(Stopwatch.GetElapsedTime(_sentAt[slot]).TotalMicroseconds);
            if (_clock.Elapsed < _duration)
            {
                Send(slot);
                return;
            }
            if (--_inFlight > 0) return;
            _replyTo.Tell(new Completed(_jobs, _clock.Elapsed, Median(_latencies), _jobs == 0 ? 0 : (double)_batchSizeSum / _jobs, _jobs == 0 ? 0 : (double)_computeMicrosSum / _jobs));
        }

        private void Send(int slot)
        {
            _sentAt[slot] = Stopwatch.GetTimestamp();
            _worker.Tell(new Infer(_slotIds[slot], _inputs[_next++ % _inputs.Length]));
        }
    }
}
