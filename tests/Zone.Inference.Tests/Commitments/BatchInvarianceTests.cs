using Zone.Inference.Commitments;
using Zone.Inference.Execution;
using Zone.Inference.Runtime;
using Zone.Inference.Zoo;

namespace Zone.Inference.Tests.Commitments;

/// <summary>
/// A job's commitment must not depend on the batch it ran in: alone, in small batches (1-3 and 7 rows
/// are the sizes that take other kernel paths unpadded), in a full batch, at any position, with 1 or 2
/// libtorch threads, and when a verifier re-executes it.
/// </summary>
[Collection(ThreadCountCollection.Name)]
public sealed class BatchInvarianceTests
{
    [Theory]
    [InlineData(ModelZoo.FashionMlp)]
    [InlineData(ModelZoo.FashionCnn)]
    public void Classifier_commitment_is_the_same_in_every_batch_position_and_thread_count(string modelId)
    {
        using var model = TestModels.Load(modelId);
        var job = TestModels.Image(5);
        var alone = model.Execute([job])[0].CommitmentHex;
        var others = Enumerable.Range(100, 80).Select(TestModels.Image).ToArray();

        foreach (var threads in new[] { 1, 2 })
        {
            TorchBackend.SetThreads(threads);
            foreach (var batchSize in new[] { 1, 2, 3, 7, 16, 17, 64, 80 })
            foreach (var position in new[] { 0, batchSize / 2, batchSize - 1 }.Distinct())
            {
                var batch = others.Take(batchSize - 1).ToList();
                batch.Insert(position, job);
                Assert.Equal(alone, model.Execute(batch)[position].CommitmentHex);
            }
        }
        Assert.True(Reexecution.VerifyExact(model, job, Convert.FromHexString(alone)).Accepted);
    }

    /// <summary>
    /// The language model's passes carry no padding rows (each job brings 64 rows to every matrix product), so every
    /// small batch size is checked, not only those a classifier would pad; jobs finishing at different steps shrink
    /// the batch while the others generate.
    /// </summary>
    [Fact]
    public void Language_model_tokens_and_logits_commitment_is_the_same_in_every_batch_and_thread_count()
    {
        using var model = TestModels.Load(ModelZoo.FortunesCharLm);
        var job = TestModels.Prompt("The meaning of life is", 12, new Sampling(0.8f, 42));
        var alone = model.Execute([job])[0];
        var others = Enumerable.Range(0, 63)
            .Select(i => (InferenceInput)TestModels.Prompt(new string('a', 1 + i * 4) + " and", 3 + i % 15, i % 2 == 0 ? Sampling.Greedy : new Sampling(1f, (ulong)i)))
            .ToArray();

        foreach (var threads in new[] { 1, 2 })
        {
            TorchBackend.SetThreads(threads);
            foreach (var batchSize in new[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 21, 64 })
            foreach (var position in new[] { 0, batchSize - 1 })
            {
                var batch = others.Take(batchSize - 1).ToList();
                batch.Insert(position, job);
                var output = model.Execute(batch)[position];
                Assert.Equal(alone.GeneratedTokens, output.GeneratedTokens);
                Assert.Equal(alone.CommitmentHex, output.CommitmentHex);
            }
        }
        Assert.True(Reexecution.VerifyExact(model, job, alone.Commitment).Accepted);
    }

    [Fact]
    public void Commitments_are_stable_across_separate_loads_of_the_model()
    {
        string[] Run()
        {
            using var model = TestModels.Load(ModelZoo.FashionMlp);
            return model.Execute(Enumerable.Range(0, 20).Select(TestModels.Image).ToArray()).Select(o => o.CommitmentHex).ToArray();
        }

        Assert.Equal(Run(), Run());
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ThreadCountCollection
{
    public const string Name = "libtorch thread count";
}
