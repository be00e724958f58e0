using System.Diagnostics;
using Akka.Actor;
using TorchSharp;
using Zone.Host.Models;
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
        using var system = ActorSystem.Create("zone-bench-inference", "akka.loglevel = WARNING");
        foreach (var id in BenchedModels)
        {
            cancellationToken.ThrowIfCancellationRequested();
            MeasureRaw(id, inference, device, images, context, report);
            await MeasureWorker(id, inference, device, inputs, system, context, report);
            report.AddRatio($"{id} worker / raw throughput", $"{id} worker throughput", $"{id} raw forward throughput");
            report.Add($"{id} added latency at batch 1", report.Get($"{id} worker latency batch 1").Value - report.Get($"{id} raw latency batch 1 padded to 16").Value, "µs median");
        }
        report.Note($"max batch size {inference.Worker.MaxBatchSize}, max wait {inference.Worker.MaxWaitMicros} µs, libtorch threads {get_num_threads()}, device {device.type}");
        report.Note("every forward pass is padded to at least 16 rows so commitments are batch-invariant; 'added latency' is the worker's median over the padded raw pass");
        report.Note($"closed loop: {2 * inference.Worker.MaxBatchSize} requesters each keep one job in flight; the worker hashes every output (SHA-256 commitment)");
        await system.Terminate();
        return report;
    }

    private static void MeasureRaw(string id, InferenceConfiguration inference, Device device, LabelledImages images, BenchContext context, BenchReport report)
    {
        var batchSize = inference.Worker.MaxBatchSize;
        using var module = (nn.Module<Tensor, Tensor>)ModelZoo.LoadModule(id, inference.ModelsDirectory);
        module.to(device);
        module.eval();
        using var noGrad = no_grad();
        using var all = tensor(images.Pixels, [images.Count, 1, 28, 28]).to(device);
        using var batch = all.narrow(0, 0, batchSize).contiguous();
        using var one = all.narrow(0, 0, 1).contiguous();
        using var padded = all.narrow(0, 0, 16).contiguous();
        void Forward(Tensor input) => module.forward(input).to(CPU).Dispose();

        context.Progress($"{id}: raw forward, batch {batchSize}");
        RunFor(context.Warmup, () => Forward(batch));
        var (passes, elapsed) = RunFor(context.Measure, () => Forward(batch));
        report.Add($"{id} raw forward throughput", passes * batchSize / elapsed.TotalSeconds, $"samples/s (batch {batchSize})");

        context.Progress($"{id}: raw forward latency, batch 1 and 16");
        report.Add($"{id} raw latency batch 1", MedianMicros(context, () => Forward(one)), "µs median");
        report.Add($"{id} raw latency batch 1 padded to 16", MedianMicros(context, () => Forward(padded)), "µs median");
    }

    private static async Task MeasureWorker(string id, InferenceConfiguration inference, Device device, TensorInput[] inputs,
        ActorSystem system, BenchContext context, BenchReport report)
    {
        var worker = system.ActorOf(InferenceWorker.Props(ModelZoo.Load(id, inference.ModelsDirectory, device), inference.Worker), $"worker-{id}");
        var driver = system.ActorOf(Props.Create(() => new ClosedLoopDriver(worker, inputs)), $"driver-{id}");
        var timeout = context.Warmup + context.Measure + TimeSpan.FromSeconds(60);
        var requesters = 2 * inference.Worker.MaxBatchSize;

        context.Progress($"{id}: through the worker, {requesters} closed-loop requesters");
        await driver.Ask<ClosedLoopDriver.Completed>(new ClosedLoopDriver.Run(context.Warmup, requesters), timeout);
        var loaded = await driver.Ask<ClosedLoopDriver.Completed>(new ClosedLoopDriver.Run(context.Measure, requesters), timeout);
        report.Add($"{id} worker throughput", loaded.Jobs / loaded.Elapsed.TotalSeconds, $"samples/s ({requesters} requesters)");
        report.Add($"{id} worker mean batch", loaded.MeanBatchSize, "jobs/batch");

        context.Progress($"{id}: through the worker, one requester");
        await driver.Ask<ClosedLoopDriver.Completed>(new ClosedLoopDriver.Run(context.Warmup, 1), timeout);
        var lone = await driver.Ask<ClosedLoopDriver.Completed>(new ClosedLoopDriver.Run(context.Measure, 1), timeout);
        report.Add($"{id} worker latency batch 1", lone.MedianLatencyMicros, "µs median");
        system.Stop(driver);
        system.Stop(worker);
    }

    private static double MedianMicros(BenchContext context, Action action)
    {
        RunFor(context.Warmup, action);
        var samples = new List<double>();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < context.Measure && samples.Count < MaxLatencySamples)
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

        public sealed record Completed(long Jobs, TimeSpan Elapsed, double MedianLatencyMicros, double MeanBatchSize);

        private readonly IActorRef _worker;
        private readonly TensorInput[] _inputs;
        private readonly List<double> _latencies = [];
        private string[] _slotIds = [];
        private long[] _sentAt = [];
        private IActorRef _replyTo = ActorRefs.Nobody;
        private Stopwatch _clock = new();
        private TimeSpan _duration;
        private long _jobs, _batchSizeSum, _next;
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
            (_replyTo, _duration, _jobs, _batchSizeSum, _inFlight) = (Sender, run.Duration, 0, 0, run.Requesters);
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
            if (_latencies.Count < MaxLatencySamples) _latencies.Add(Stopwatch.GetElapsedTime(_sentAt[slot]).TotalMicroseconds);
            if (_clock.Elapsed < _duration)
            {
                Send(slot);
                return;
            }
            if (--_inFlight > 0) return;
            _replyTo.Tell(new Completed(_jobs, _clock.Elapsed, Median(_latencies), _jobs == 0 ? 0 : (double)_batchSizeSum / _jobs));
        }

        private void Send(int slot)
        {
            _sentAt[slot] = Stopwatch.GetTimestamp();
            _worker.Tell(new Infer(_slotIds[slot], _inputs[_next++ % _inputs.Length]));
        }
    }
}
