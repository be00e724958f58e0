using Akka.Actor;
using Akka.TestKit.Xunit2;
using Zone.Inference.Commitments;
using Zone.Inference.Execution;
using Zone.Inference.Worker;
using Zone.Inference.Zoo;

namespace Zone.Inference.Tests.Worker;

public sealed class InferenceWorkerTests() : TestKit(TestModels.WorkerSystem)
{
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(20);

    [Fact]
    public void Completed_job_carries_output_commitment_flops_and_times()
    {
        var model = TestModels.Load(ModelZoo.FashionMlp);
        var expected = model.Execute([TestModels.Image(11)])[0];
        var worker = Sys.ActorOf(InferenceWorker.Props(model, InferenceWorkerSettings.Default));

        worker.Tell(new Infer("job-1", TestModels.Image(11)));

        var reply = ExpectMsg<InferenceCompleted>(ReplyTimeout);
        Assert.Equal("job-1", reply.JobId);
        Assert.Equal(ModelZoo.FashionMlp, reply.ModelId);
        Assert.Equal(model.Spec.WeightsSha256, reply.WeightsSha256);
        Assert.Equal(expected.Values, reply.Output.Values);
        Assert.Equal(expected.Commitment, reply.Commitment);
        Assert.Equal(MlpClassifier.FlopsPerSample, reply.Flops);
        Assert.True(reply.QueueMicros >= 0 && reply.ComputeMicros > 0);
        Assert.InRange(reply.ForwardMicros, 1, reply.ComputeMicros);
    }

    [Fact]
    public void Concurrent_requests_are_batched_over_two_lanes_and_each_commitment_matches_running_alone()
    {
        using var model = TestModels.Load(ModelZoo.FashionCnn);
        var alone = Enumerable.Range(0, 48).Select(i => model.Execute([TestModels.Image(i)])[0].CommitmentHex).ToArray();
        // Two lanes, each its own copy of the model on one or two libtorch threads, against passes alone on this thread's.
        var worker = Sys.ActorOf(InferenceWorker.ForZooModel(ModelZoo.FashionCnn, TestModels.Directory, new InferenceWorkerSettings(MaxBatchSize: 16, Lanes: 2)));

        for (var i = 0; i < 48; i++) worker.Tell(new Infer($"job-{i}", TestModels.Image(i)));

        var replies = Enumerable.Range(0, 48).Select(_ => ExpectMsg<InferenceCompleted>(ReplyTimeout)).ToArray();
        Assert.All(replies, r => Assert.Equal(alone[int.Parse(r.JobId["job-".Length..])], r.Output.CommitmentHex));
        Assert.All(replies, r => Assert.InRange(r.BatchSize, 1, 16));
        Assert.Contains(replies, r => r.BatchSize > 1);
    }

    [Fact]
    public void Many_jobs_in_one_message_come_back_in_one_reply_with_the_commitments_of_running_alone()
    {
        var model = TestModels.Load(ModelZoo.FashionMlp);
        var alone = Enumerable.Range(0, 20).Select(i => model.Execute([TestModels.Image(i)])[0].CommitmentHex).ToArray();
        var worker = Sys.ActorOf(InferenceWorker.Props(model, InferenceWorkerSettings.Default));

        worker.Tell(new InferMany(Enumerable.Range(0, 20).Select(i => new Infer($"job-{i}", TestModels.Image(i))).ToArray()));

        // All 20 jobs are queued by the one message before the batch runs, so they share one pass and one reply.
        var reply = ExpectMsg<InferManyCompleted>(ReplyTimeout);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"job-{i}"), reply.Jobs.Select(j => j.JobId));
        Assert.All(reply.Jobs, j => Assert.Equal(alone[int.Parse(j.JobId["job-".Length..])], j.Output.CommitmentHex));
        Assert.All(reply.Jobs, j => Assert.Equal(20, j.BatchSize));
        Assert.All(reply.Jobs, j => Assert.Equal(MlpClassifier.FlopsPerSample, j.Flops));
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void Bad_jobs_in_a_multi_job_message_are_rejected_one_by_one_and_the_rest_are_served()
    {
        var model = TestModels.Load(ModelZoo.FashionMlp);
        var alone = Enumerable.Range(0, 4).Select(i => model.Execute([TestModels.Image(i)])[0].CommitmentHex).ToArray();
        var worker = Sys.ActorOf(InferenceWorker.Props(model, InferenceWorkerSettings.Default));

        worker.Tell(new InferMany([
            new Infer("nan-first", TestModels.ImageWith(0, 7, float.NaN)),
            new Infer("good-1", TestModels.Image(1)),
            new Infer("infinity", TestModels.ImageWith(1, 783, float.NegativeInfinity)),
            new Infer("good-2", TestModels.Image(2)),
            new Infer("wrong-shape", TensorInput.OfFloat32(new float[784], 28, 28)),
            new Infer("good-3", TestModels.Image(3)),
            new Infer("nan-last", TestModels.ImageWith(2, 400, float.NaN)),
        ]));

        // Each bad job is refused on arrival, in the message's order; the rest run as one batch, with the commitments of running alone.
        var rejections = Enumerable.Range(0, 4).Select(_ => ExpectMsg<InferenceRejected>(ReplyTimeout)).ToArray();
        Assert.Equal(["nan-first", "infinity", "wrong-shape", "nan-last"], rejections.Select(r => r.JobId));
        Assert.All(rejections, r => Assert.Equal(RejectionReason.InvalidInput, r.Reason));
        Assert.Contains("shape", rejections[2].Detail);
        Assert.All(rejections.Where(r => r.JobId != "wrong-shape"), r => Assert.Equal("input holds NaN or infinity", r.Detail));
        var served = ExpectMsg<InferManyCompleted>(ReplyTimeout);
        Assert.Equal(["good-1", "good-2", "good-3"], served.Jobs.Select(j => j.JobId));
        Assert.All(served.Jobs, j => Assert.Equal(alone[int.Parse(j.JobId["good-".Length..])], j.Output.CommitmentHex));
        Assert.All(served.Jobs, j => Assert.Equal(3, j.BatchSize));
        worker.Tell(GetWorkerStatus.Instance);
        var status = ExpectMsg<WorkerStatus>(ReplyTimeout);
        Assert.Equal((3, 4, 1), (status.Completed, status.Rejected, status.Batches));
    }

    /// <summary>A worker of batch size 1 and queue length 2, held inside the forward pass of job "busy" until the model's gate opens.</summary>
    private (IActorRef Worker, GatedModel Model) BusyWorkerWithQueueOfTwo()
    {
        var model = new GatedModel();
        var worker = Sys.ActorOf(InferenceWorker.Props(model, new InferenceWorkerSettings(MaxBatchSize: 1, MaxQueueLength: 2)));
        worker.Tell(new Infer("busy", TensorInput.OfFloat32([0f, 0f], 2)));
        Assert.True(model.FirstBatchStarted.Wait(ReplyTimeout));
        return (worker, model);
    }

    [Fact]
    public void The_queue_bound_counts_the_jobs_of_a_multi_job_message()
    {
        var (worker, model) = BusyWorkerWithQueueOfTwo();

        worker.Tell(new InferMany(Enumerable.Range(1, 4).Select(i => new Infer($"job-{i}", TensorInput.OfFloat32([i, i], 2))).ToArray()));

        // While the busy pass runs, two of the message's jobs fit the queue of 2 and two are rejected at once.
        var rejected = new[] { ExpectMsg<InferenceRejected>(ReplyTimeout), ExpectMsg<InferenceRejected>(ReplyTimeout) };
        Assert.Equal(["job-3", "job-4"], rejected.Select(r => r.JobId));
        Assert.All(rejected, r => Assert.Equal(RejectionReason.QueueFull, r.Reason));
        worker.Tell(GetWorkerStatus.Instance);
        var status = ExpectMsg<WorkerStatus>(ReplyTimeout);
        Assert.Equal((2, 2L, 1, 1), (status.QueueLength, status.Rejected, status.Lanes, status.BusyLanes));
        model.Gate.Set();
        Assert.Equal("busy", ExpectMsg<InferenceCompleted>(ReplyTimeout).JobId);
        // max-batch-size 1: the two accepted jobs run in two passes, so they come back in two replies.
        Assert.Equal(["job-1"], ExpectMsg<InferManyCompleted>(ReplyTimeout).Jobs.Select(j => j.JobId));
        Assert.Equal(["job-2"], ExpectMsg<InferManyCompleted>(ReplyTimeout).Jobs.Select(j => j.JobId));
    }

    [Fact]
    public void Each_sender_gets_one_reply_for_its_jobs_in_a_shared_batch()
    {
        var model = new GatedModel();
        var worker = Sys.ActorOf(InferenceWorker.Props(model, new InferenceWorkerSettings(MaxBatchSize: 8)));
        worker.Tell(new Infer("busy", TensorInput.OfFloat32([0f, 0f], 2)));
        Assert.True(model.FirstBatchStarted.Wait(ReplyTimeout));
        var first = CreateTestProbe();
        var second = CreateTestProbe();

        worker.Tell(new InferMany(Enumerable.Range(0, 3).Select(i => new Infer($"a-{i}", TensorInput.OfFloat32([i, i], 2))).ToArray()), first);
        worker.Tell(new InferMany(Enumerable.Range(0, 2).Select(i => new Infer($"b-{i}", TensorInput.OfFloat32([i, -i], 2))).ToArray()), second);
        model.Gate.Set();

        var firstReply = first.ExpectMsg<InferManyCompleted>(ReplyTimeout);
        var secondReply = second.ExpectMsg<InferManyCompleted>(ReplyTimeout);
        Assert.Equal(["a-0", "a-1", "a-2"], firstReply.Jobs.Select(j => j.JobId));
        Assert.Equal(["b-0", "b-1"], secondReply.Jobs.Select(j => j.JobId));
        Assert.All(firstReply.Jobs.Concat(secondReply.Jobs), j => Assert.Equal(5, j.BatchSize));
        Assert.Equal(OutputCommitment.Compute([2], [1f, -1f], []), secondReply.Jobs[1].Commitment);
        first.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        second.ExpectNoMsg(TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public void Requests_beyond_the_queue_bound_are_rejected_explicitly()
    {
        var (worker, model) = BusyWorkerWithQueueOfTwo();

        for (var i = 1; i <= 4; i++) worker.Tell(new Infer($"job-{i}", TensorInput.OfFloat32([i, i], 2)));
        model.Gate.Set();

        var replies = Enumerable.Range(0, 5).Select(_ => ExpectMsg<IInferenceMessage>(ReplyTimeout)).ToArray();
        Assert.Equal(["busy", "job-1", "job-2"], replies.OfType<InferenceCompleted>().Select(r => r.JobId).Order());
        var rejected = replies.OfType<InferenceRejected>().OrderBy(r => r.JobId).ToArray();
        Assert.Equal(["job-3", "job-4"], rejected.Select(r => r.JobId));
        Assert.All(rejected, r => Assert.Equal(RejectionReason.QueueFull, r.Reason));
        Assert.Contains("maximum of 2 jobs", rejected[0].Detail);
    }

    [Fact]
    public void Invalid_inputs_are_rejected_with_a_reason_and_the_worker_keeps_serving()
    {
        var worker = Sys.ActorOf(InferenceWorker.Props(TestModels.Load(ModelZoo.FashionMlp), InferenceWorkerSettings.Default));
        (InferenceInput Input, string Reason)[] bad =
        [
            (TensorInput.OfFloat32(new float[784], 28, 28), "takes shape [1, 28, 28], not [28, 28]"),
            (TensorInput.OfFloat32(new float[783], 1, 28, 28), "needs 784 values, got 783"),
            (TestModels.ImageWith(0, 100, float.NaN), "NaN or infinity"),
            (TensorInput.OfInt64(new long[784], 1, 28, 28), "takes Float32, not Int64"),
            (TestModels.Prompt("hello", 3), "takes a tensor input"),
        ];

        foreach (var (input, reason) in bad)
        {
            worker.Tell(new Infer("bad", input));
            var rejection = ExpectMsg<InferenceRejected>(ReplyTimeout);
            Assert.Equal(RejectionReason.InvalidInput, rejection.Reason);
            Assert.Contains(reason, rejection.Detail);
        }
        worker.Tell(new Infer("good", TestModels.Image(0)));
        Assert.Equal("good", ExpectMsg<InferenceCompleted>(ReplyTimeout).JobId);
    }

    [Fact]
    public void Every_non_finite_value_is_refused_wherever_it_sits_and_every_finite_extreme_passes()
    {
        using var model = TestModels.Load(ModelZoo.FashionMlp);
        float[] nonFinite = [float.NaN, -float.NaN, float.PositiveInfinity, float.NegativeInfinity, BitConverter.Int32BitsToSingle(0x7FC00001)];
        float[] finite = [float.MaxValue, float.MinValue, float.Epsilon, -float.Epsilon, -0f, 0f];
        foreach (var position in new[] { 0, 1, 7, 8, 15, 16, 100, 777, 783 })
        {
            foreach (var value in nonFinite)
                Assert.Equal("input holds NaN or infinity", model.Validate(TestModels.ImageWith(3, position, value)));
            foreach (var value in finite)
                Assert.Null(model.Validate(TestModels.ImageWith(3, position, value)));
        }
    }

    [Fact]
    public void A_partial_batch_waits_for_max_wait_and_a_full_batch_runs_at_once()
    {
        var model = new GatedModel();
        model.Gate.Set();
        var worker = Sys.ActorOf(InferenceWorker.Props(model, new InferenceWorkerSettings(MaxBatchSize: 4, MaxWaitMicros: 1_000_000)));

        for (var i = 0; i < 4; i++) worker.Tell(new Infer($"full-{i}", TensorInput.OfFloat32([i, i], 2)));
        var full = Enumerable.Range(0, 4).Select(_ => ExpectMsg<InferenceCompleted>(ReplyTimeout)).ToArray();
        worker.Tell(new Infer("lonely", TensorInput.OfFloat32([9, 9], 2)));
        var lonely = ExpectMsg<InferenceCompleted>(ReplyTimeout);

        Assert.All(full, r => Assert.Equal(4, r.BatchSize));
        Assert.Equal(1, lonely.BatchSize);
        Assert.Equal([4, 1], model.BatchSizes);
    }

    [Fact]
    public void Language_model_generates_greedily_and_by_seeded_sampling_through_the_worker()
    {
        var worker = Sys.ActorOf(InferenceWorker.Props(TestModels.Load(ModelZoo.FortunesCharLm), InferenceWorkerSettings.Default));
        InferenceCompleted Generate(Sampling sampling)
        {
            worker.Tell(new Infer("lm", TestModels.Prompt("Never trust a ", 24, sampling)));
            return ExpectMsg<InferenceCompleted>(ReplyTimeout);
        }

        var greedy = Generate(Sampling.Greedy);
        var seeded = Generate(new Sampling(1.0f, 7));
        var seededAgain = Generate(new Sampling(1.0f, 7));
        var otherSeed = Generate(new Sampling(1.0f, 8));

        Assert.Equal(greedy.Output.GeneratedTokens, Generate(Sampling.Greedy).Output.GeneratedTokens);
        Assert.Equal(seeded.Commitment, seededAgain.Commitment);
        Assert.NotEqual(seeded.Output.GeneratedTokens, otherSeed.Output.GeneratedTokens);
        Assert.Equal([24, 96], greedy.Output.Shape);
        Assert.Equal(24 * CharTransformer.FlopsPerToken, greedy.Flops);
        // 24 tokens are 24 forward passes, all inside the job's compute time.
        Assert.InRange(greedy.ForwardMicros, 24, greedy.ComputeMicros);
        var text = Zone.Inference.Data.CharacterVocabulary.Decode(greedy.Output.GeneratedTokens);
        Assert.Equal(24, text.Length);
    }

    [Fact]
    public void A_zoo_model_worker_loads_on_the_configured_device()
    {
        var worker = Sys.ActorOf(InferenceWorker.ForZooModel(ModelZoo.FashionMlp, TestModels.Directory, new InferenceWorkerSettings(Device: "auto")));

        worker.Tell(new Infer("zoo", TestModels.Image(1)));

        var reply = ExpectMsg<InferenceCompleted>(ReplyTimeout);
        Assert.Equal(ModelZoo.Catalog(TestModels.Directory)[0].WeightsSha256, reply.WeightsSha256);
    }

    [Fact]
    public void A_worker_with_two_lanes_runs_two_batches_at_once_each_in_its_own_copy_of_the_model()
    {
        var (first, second) = (new GatedModel(), new GatedModel());
        var worker = Sys.ActorOf(InferenceWorker.Props([first, second], new InferenceWorkerSettings(MaxBatchSize: 2)));

        worker.Tell(new InferMany(Enumerable.Range(0, 4).Select(i => new Infer($"job-{i}", TensorInput.OfFloat32([i, i], 2))).ToArray()));

        // Both passes have started while neither can finish: the second batch did not wait for the first.
        Assert.True(first.FirstBatchStarted.Wait(ReplyTimeout));
        Assert.True(second.FirstBatchStarted.Wait(ReplyTimeout));
        first.Gate.Set();
        second.Gate.Set();
        var replies = new[] { ExpectMsg<InferManyCompleted>(ReplyTimeout), ExpectMsg<InferManyCompleted>(ReplyTimeout) };
        Assert.Equal(["job-0", "job-1", "job-2", "job-3"], replies.SelectMany(r => r.Jobs).Select(j => j.JobId).Order());
        Assert.All(replies, r => Assert.Equal(2, r.Jobs.Count));
        Assert.Equal([2], first.BatchSizes);
        Assert.Equal([2], second.BatchSizes);
        Assert.NotEqual(Assert.Single(first.ExecutingThreads), Assert.Single(second.ExecutingThreads));
        // The first batch started alone and got every core; the second started beside it and got its share.
        var settings = InferenceWorkerSettings.Default;
        Assert.Equal(new[] { settings.ThreadsFor(busyLanes: 1), settings.ThreadsFor(busyLanes: 2) }.Order(),
            first.LibTorchThreads.Concat(second.LibTorchThreads).Order());
    }

    [Fact]
    public void Lanes_of_every_worker_run_their_passes_on_the_torch_dispatchers_threads_only()
    {
        // The dispatcher has a thread per lane: however many workers a node runs, libtorch is called from no more threads
        // than that, which keeps its OpenMP threads near the cores.
        var models = new[] { new GatedModel(), new GatedModel(), new GatedModel() };
        foreach (var model in models) model.Gate.Set();
        var workers = models.Select(m => Sys.ActorOf(InferenceWorker.Props(m, new InferenceWorkerSettings(MaxBatchSize: 1)))).ToArray();

        for (var i = 0; i < 20; i++)
            foreach (var worker in workers) worker.Tell(new Infer($"job-{i}", TensorInput.OfFloat32([i, i], 2)));

        for (var i = 0; i < 20 * workers.Length; i++) ExpectMsg<InferenceCompleted>(ReplyTimeout);
        var threads = models.SelectMany(m => m.ExecutingThreads).ToHashSet();
        Assert.InRange(threads.Count, 1, TestModels.TorchThreads);
        Assert.DoesNotContain(Environment.CurrentManagedThreadId, threads);
    }

    [Fact]
    public void Lanes_holding_different_models_are_refused()
    {
        using var mlp = TestModels.Load(ModelZoo.FashionMlp);
        using var cnn = TestModels.Load(ModelZoo.FashionCnn);
        var error = Assert.Throws<ArgumentException>(() => InferenceWorker.Props([mlp, cnn], InferenceWorkerSettings.Default));
        Assert.Contains("must all hold model fashion-mlp", error.Message);
    }

    [Fact]
    public void A_failed_pass_rejects_its_jobs_frees_its_lane_and_the_worker_keeps_serving()
    {
        var model = new GatedModel { FailsOnNegative = true };
        model.Gate.Set();
        var worker = Sys.ActorOf(InferenceWorker.Props(model, new InferenceWorkerSettings(MaxBatchSize: 8)));

        worker.Tell(new Infer("doomed", TensorInput.OfFloat32([-1f, 0f], 2)));
        var rejection = ExpectMsg<InferenceRejected>(ReplyTimeout);
        worker.Tell(new Infer("fine", TensorInput.OfFloat32([1f, 0f], 2)));
        var completed = ExpectMsg<InferenceCompleted>(ReplyTimeout);
        worker.Tell(GetWorkerStatus.Instance);
        var status = ExpectMsg<WorkerStatus>(ReplyTimeout);

        Assert.Equal(("doomed", RejectionReason.ExecutionFailed), (rejection.JobId, rejection.Reason));
        Assert.Equal("the backend refused the batch", rejection.Detail);
        Assert.Equal("fine", completed.JobId);
        Assert.Equal((1L, 1L, 1L), (status.Completed, status.Rejected, status.Batches));
    }

    [Fact]
    public void Worker_reports_its_status()
    {
        var worker = Sys.ActorOf(InferenceWorker.Props(new GatedModel(), new InferenceWorkerSettings(MaxBatchSize: 8, MaxQueueLength: 32)));

        worker.Tell(GetWorkerStatus.Instance);

        var status = ExpectMsg<WorkerStatus>(ReplyTimeout);
        Assert.Equal("gated", status.ModelId);
        Assert.Equal(0, status.QueueLength);
        Assert.Equal((1, 0), (status.Lanes, status.BusyLanes));
        Assert.Equal(32, status.Settings.MaxQueueLength);
    }

    [Fact]
    public void Settings_with_a_queue_smaller_than_a_batch_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new InferenceWorkerSettings(MaxBatchSize: 64, MaxQueueLength: 8).Validated());
        Assert.Throws<ArgumentOutOfRangeException>(() => new InferenceWorkerSettings(MaxBatchSize: 512).Validated());
        Assert.Throws<ArgumentOutOfRangeException>(() => new InferenceWorkerSettings(Lanes: -1).Validated());
    }

    [Fact]
    public void A_pass_gets_the_cores_shared_out_among_the_busy_lanes_unless_threads_are_set()
    {
        var cores = Environment.ProcessorCount;
        Assert.Equal(cores, InferenceWorkerSettings.Default.ThreadsFor(busyLanes: 1));
        Assert.Equal(Math.Max(1, cores / 2), InferenceWorkerSettings.Default.ThreadsFor(busyLanes: 2));
        Assert.Equal(1, InferenceWorkerSettings.Default.ThreadsFor(busyLanes: cores + 1));
        Assert.Equal(3, new InferenceWorkerSettings(Threads: 3).ThreadsFor(busyLanes: 1));
        Assert.Equal(3, new InferenceWorkerSettings(Threads: 3).ThreadsFor(busyLanes: 2));
    }
}
