using Zone.Inference.Commitments;
using Zone.Inference.Execution;
using Zone.Inference.Zoo;

namespace Zone.Inference.Tests.Commitments;

public sealed class ReexecutionTests
{
    [Fact]
    public void Exact_mode_accepts_an_honest_commitment_and_rejects_any_other()
    {
        using var model = TestModels.Load(ModelZoo.FashionMlp);
        var job = TestModels.Image(3);
        var honest = model.Execute([job, TestModels.Image(4)])[0];
        var forged = (byte[])honest.Commitment.Clone();
        forged[0] ^= 1;

        Assert.True(Reexecution.VerifyExact(model, job, honest.Commitment).Accepted);
        var verdict = Reexecution.VerifyExact(model, job, forged);
        Assert.False(verdict.Accepted);
        Assert.Contains("commitment differs", verdict.Explanation);
    }

    [Fact]
    public void Tolerance_mode_accepts_last_bit_noise_and_rejects_large_or_argmax_changing_differences()
    {
        using var model = TestModels.Load(ModelZoo.FashionMlp);
        var job = TestModels.Image(9);
        var honest = model.Execute([job])[0];
        var winner = Array.IndexOf(honest.Values, honest.Values.Max());
        InferenceOutput Perturbed(Func<int, float, float> change) =>
            honest with { Values = honest.Values.Select((v, i) => change(i, v)).ToArray() };

        var noisy = Reexecution.VerifyWithinTolerance(model, job, Perturbed((_, v) => v + 3e-7f), 1e-5);
        var far = Reexecution.VerifyWithinTolerance(model, job, Perturbed((i, v) => i == (winner + 1) % 10 ? v - 0.5f : v), 1e-5);
        var flipped = Reexecution.VerifyWithinTolerance(model, job, Perturbed((i, v) => i == (winner + 1) % 10 ? honest.Values[winner] + 1f : v), 10);

        Assert.True(noisy.Accepted, noisy.Explanation);
        Assert.False(far.Accepted);
        Assert.False(flipped.Accepted);
        Assert.False(flipped.ArgmaxAgrees);
    }

    [Fact]
    public void Tolerance_mode_requires_the_same_generated_tokens()
    {
        using var model = TestModels.Load(ModelZoo.FortunesCharLm);
        var job = TestModels.Prompt("Q: Why", 6);
        var honest = model.Execute([job])[0];
        var otherTokens = honest with { GeneratedTokens = honest.GeneratedTokens.Select(t => (t + 1) % 96).ToArray() };

        Assert.True(Reexecution.VerifyWithinTolerance(model, job, honest, 0).Accepted);
        Assert.False(Reexecution.VerifyWithinTolerance(model, job, otherTokens, 1).Accepted);
    }
}
