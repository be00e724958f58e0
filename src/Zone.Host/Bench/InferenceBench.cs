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
/// Per model: raw TorchSharp forward throughput at the worker's max batch size against throughput
/// through the InferenceWorker under closed-loop load (requesters each keep one job in flight), and the
/// latency a lone job adds over the padded forward pass it needs anyway. For the language model a
/// forward pass yields one token per row, and a worker job generates <see cref="GeneratedTokensPerJob"/>.
/// </summary>
public sealed class InferenceBench : IBenchSuite
{
    private const int MaxLatencySamples = 200_000;
    private const int Rounds = 5;
    private const int GeneratedTokensPerJob = 16;
    private const int PromptCharacters = 32;

    public string Name => "inference";
    public string Description => "raw TorchSharp batched forward vs the InferenceWorker under closed-loop load; added latency at batch 1";

    /// <summary>What one model is fed: rows for the raw pass, jobs for the worker, and what a job yields.</summary>
    private sealed record Workload(string ModelId, Tensor Rows, InferenceInput[] ThroughputJobs, InferenceInput[] LatencyJobs, int UnitsPerJob, string Unit) : IDisposable
    {
        public void Dispose() => Rows.Dispose();
    }

    public async Task<BenchReport> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var inference = InferenceConfiguration.From(context.Configuration);
        if (inference.Threads > 0) TorchBackend.SetThreads(inference.Threads);
        var device = InferenceDevice.Resolve(inference.Device);
        var report = new BenchReport(Name);
        var round = context.Measure / Rounds;
        var batchSize = inference.Worker.MaxBatchSize;
        var requesters = 2 * batchSize;
        using var system = ActorSystem.Create("zone-bench-inference", "akka.loglevel = WARNING");
        using var rawThread = new DedicatedThread("raw-forward");
        foreach (var workload in Workloads(inference.ModelsDirectory, device))
        {
            using var _ = workload;
            var id = workload.ModelId;
            cancellationToken.ThrowIfCancellationRequested();
            using var raw = new RawForward(id, inference.ModelsDirectory, device, workload.Rows);
            await using var served = new ServedForward(id, inference, device, workload, system, round);
            await rawThread.Run(() => raw.Throughput(batchSize, context.Warmup));
            await served.Throughput(requesters, context.Warmup);
            var rawRounds = new List<double>();
            var servedRounds = new List<double>();
            context.Progress($"{id}: {Rounds} alternating rounds of raw forward (batch {batchSize}) and worker ({requesters} requesters)");
            for (var i = 0; i < Rounds; i++)
            {
                rawRounds.Add(await rawThread.Run(() => raw.Throughput(batchSize, round)));
                servedRounds.Add(await served.Throughput(requesters, round));
            }
            report.Add($"{id} raw forward throughput", rawRounds.Max(), $"{workload.Unit}/s, best of {Rounds} (batch {batchSize})");
            report.Add($"{id} worker throughput", servedRounds.Max(), $"{workload.Unit}/s, best of {Rounds} ({requesters} requesters)");
            report.Add($"{id} worker mean batch", served.LastMeanBatchSize, "jobs/batch");
            report.Add($"{id} worker compute per batch", served.LastMeanComputeMicros, "µs (pack, forward, split, hash; last round)");

            context.Progress($"{id}: latency at batch 1, raw and through the worker");
            var rawLatency = new List<double>();
            var paddedLatency = new List<double>();
            var servedLatency = new List<double>();
            for (var i = 0; i < Rounds; i++)
            {
                rawLatency.Add(await rawThread.Run(() => raw.MedianLatencyMicros(1, round)));
                paddedLatency.Add(await rawThread.Run(() => raw.MedianLatencyMicros(BatchInvariance.MinRowsPerForward, round)));
                servedLatency.Add(await served.MedianLatencyMicros(round));
            }
            report.Add($"{id} raw latency batch 1", rawLatency.Min(), $"µs median, best of {Rounds}");
            report.Add($"{id} raw latency batch 1 padded to 16", paddedLatency.Min(), $"µs median, best of {Rounds}");
            report.Add($"{id} worker latency batch 1", servedLatency.Min(), $"µs median, best of {Rounds}");
            report.Add($"{id} added latency at batch 1", servedLatency.Min() - paddedLatency.Min(), "µs (worker - padded raw)");
            report.AddRatio($"{id} worker / raw throughput", $"{id} worker throughput", $"{id} raw forward throughput");
        }
        report.Note($"max batch size {batchSize}, max wait {inference.Worker.MaxWaitMicros} µs, libtorch threads {get_num_threads()}, device {device.type}");
        report.Note("raw and worker phases alternate in short rounds and the best round of each is kept: the cores are shared, and the least disturbed round is the comparable one");
        report.Note("every forward pass is padded to at least 16 rows so commitments are batch-invariant; 'added latency' is the worker's median over the padded raw pass");
        report.Note("closed loop: each requester keeps one job in flight; the worker validates, batches, pads, runs, hashes every output (SHA-256 commitment) and replies");
        report.Note($"language model: a raw pass over [batch, {CharTransformer.Context}] windows yields one token per row; worker jobs generate {GeneratedTokensPerJob} tokens " +
            "(throughput) or 1 token (latency) after a 32-character prompt, each step a full-window pass");
        await system.Terminate();
        return report;
    }

    private static IEnumerable<Workload> Workloads(string modelsDirectory, Device device)
    {
        var images = FashionMnist.LoadHeldOut(modelsDirectory);
        var imageJobs = Enumerable.Range(0, images.Count).Select(i => (InferenceInput)TensorInput.OfFloat32(images.Image(i), 1, 28, 28)).ToArray();
        foreach (var id in new[] { ModelZoo.FashionMlp, ModelZoo.FashionCnn })
            yield return new Workload(id, tensor(images.Pixels, [images.Count, 1, 28, 28]).to(device), imageJobs, imageJobs, 1, "samples");

        var text = CharacterVocabulary.Encode(FortunesCorpus.LoadHeldOutSlice(modelsDirectory));
        var windows = text.Length / CharTransformer.Context;
        var prompts = Enumerable.Range(0, windows).Select(w => text.AsSpan(w * CharTransformer.Context, PromptCharacters).ToArray()).ToArray();
        yield return new Workload(ModelZoo.FortunesCharLm,
            tensor(text.AsSpan(0, windows * CharTransformer.Context).ToArray(), [windows, CharTransformer.Context]).to(device),
            prompts.Select(p => (InferenceInput)new GenerationInput(p, GeneratedTokensPerJob, Sampling.Greedy)).ToArray(),
            prompts.Select(p => (InferenceInput)new GenerationInput(p, 1, Sampling.Greedy)).ToArray(),
            GeneratedTokensPerJob, "tokens");
    }

    /// <summary>
    /// Runs the raw passes on one long-lived thread, as the worker runs on its own: libtorch's OpenMP keeps
    /// a thread team per calling thread, and async continuations would otherwise hop between pool threads.
    /// </summary>
    private sealed class DedicatedThread : IDisposable
    {
        private readonly System.Collections.Concurrent.BlockingCollection<Action> _work = new(boundedCapacity: 1);
        private readonly Thread _thread;

        public DedicatedThread(string name)
        {
            _thread = new Thread(() =>
            {
                foreach (var action in _work.GetConsumingEnumerable()) action();
            }) { IsBackground = true, Name = name };
            _thread.Start();
        }

        public Task<T> Run<T>(Func<T> function)
        {
            var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
            _work.Add(() =>
            {
                try
                {
                    completion.SetResult(function());
                }
                catch (Exception e)
                {
                    completion.SetException(e);
                }
            });
            return completion.Task;
        }

        public void Dispose()
        {
            _work.CompleteAdding();
            _thread.Join();
            _work.Dispose();
        }
    }

    /// <summary>The limit beneath the worker: the module's forward pass on prepared tensors, nothing else.</summary>
    private sealed class RawForward : IDisposable
    {
        private readonly nn.Module<Tensor, Tensor> _module;
        private readonly Tensor _rows;

        public RawForward(string id, string modelsDirectory, Device device, Tensor rows)
        {
            _module = (nn.Module<Tensor, Tensor>)ModelZoo.LoadModule(id, modelsDirectory);
            _module.to(device);
            _module.eval();
            _rows = rows;
        }

        /// <summary>Rows per second: samples for a classifier, next tokens for the language model.</summary>
        public double Throughput(int batchSize, TimeSpan duration)
        {
            using var batch = _rows.narrow(0, 0, batchSize).contiguous();
            var (passes, elapsed) = RunFor(duration, () => Forward(batch));
            return passes * batchSize / elapsed.TotalSeconds;
        }

        public double MedianLatencyMicros(int rows, TimeSpan duration)
        {
            using var batch = _rows.narrow(0, 0, rows).contiguous();
            return MedianMicros(duration, () => Forward(batch));
        }

        private void Forward(Tensor batch)
        {
            using var noGrad = no_grad();
            _module.forward(batch).to(CPU).Dispose();
        }

        public void Dispose() => _module.Dispose();
    }

    /// <summary>The same model behind an InferenceWorker, driven by closed-loop requesters.</summary>
    private sealed class ServedForward : IAsyncDisposable
    {
        private readonly IActorRef _worker, _throughputDriver, _latencyDriver;
        private readonly TimeSpan _timeout;
        private readonly int _unitsPerJob;

        public ServedForward(string id, InferenceConfiguration inference, Device device, Workload workload, ActorSystem system, TimeSpan round)
        {
            _worker = system.ActorOf(InferenceWorker.Props(ModelZoo.Load(id, inference.ModelsDirectory, device), inference.Worker), $"worker-{id}");
            _throughputDriver = system.ActorOf(Props.Create(() => new ClosedLoopDriver(_worker, workload.ThroughputJobs)), $"throughput-driver-{id}");
            _latencyDriver = system.ActorOf(Props.Create(() => new ClosedLoopDriver(_worker, workload.LatencyJobs)), $"latency-driver-{id}");
            _timeout = round + TimeSpan.FromSeconds(60);
            _unitsPerJob = workload.UnitsPerJob;
        }

        public double LastMeanBatchSize { get; private set; }
        public double LastMeanComputeMicros { get; private set; }

        public async Task<double> Throughput(int requesters, TimeSpan duration)
        {
            var completed = await _throughputDriver.Ask<ClosedLoopDriver.Completed>(new ClosedLoopDriver.Run(duration, requesters), _timeout + duration);
            LastMeanBatchSize = completed.MeanBatchSize;
            LastMeanComputeMicros = completed.MeanComputeMicros;
            return completed.Jobs * _unitsPerJob / completed.Elapsed.TotalSeconds;
        }

        public async Task<double> MedianLatencyMicros(TimeSpan duration) =>
            (await _latencyDriver.Ask<ClosedLoopDriver.Completed>(new ClosedLoopDriver.Run(duration, 1), _timeout + duration)).MedianLatencyMicros;

        public async ValueTask DisposeAsync()
        {
            await _throughputDriver.GracefulStop(_timeout);
            await _latencyDriver.GracefulStop(_timeout);
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
        private readonly InferenceInput[] _inputs;
        private readonly List<double> _latencies = [];
        private string[] _slotIds = [];
        private long[] _sentAt = [];
        private IActorRef _replyTo = ActorRefs.Nobody;
        private Stopwatch _clock = new();
        private TimeSpan _duration;
        private long _jobs, _batchSizeSum, _computeMicrosSum, _next;
        private int _inFlight;

        public ClosedLoopDriver(IActorRef worker, InferenceInput[] inputs)
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
