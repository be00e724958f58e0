using Zone.Inference.Data;
using Zone.Inference.Execution;
using Zone.Inference.Training;
using Zone.Inference.Zoo;

namespace Zone.Inference.Tests.Zoo;

public sealed class LanguageModelForwardTests
{
    private const double ArithmeticTolerance = 1e-4;
    private const int Width = CharTransformer.Width, Heads = CharTransformer.Heads, HeadWidth = Width / Heads;

    [Theory]
    [InlineData("Q: What")]
    [InlineData("A fool and his money are soon parted.\nThe more things change, the")]
    public void Next_token_logits_match_plain_transformer_arithmetic_on_its_weights(string prompt)
    {
        using var module = ModelZoo.LoadModule(ModelZoo.FortunesCharLm, TestModels.Directory);
        var weights = module.state_dict().ToDictionary(p => p.Key, p => p.Value.data<float>().ToArray());
        using var model = (LanguageModel)TestModels.Load(ModelZoo.FortunesCharLm);
        var tokens = CharacterVocabulary.Encode(prompt).TakeLast(CharTransformer.Context).ToArray();

        var expected = PlainForwardLastPosition(weights, tokens);
        var served = model.NextTokenLogits([tokens.ToList()])[0];

        Assert.Equal(CharTransformer.Vocabulary, served.Length);
        Assert.All(served.Zip(expected), pair => Assert.InRange(pair.First - pair.Second, -ArithmeticTolerance, ArithmeticTolerance));
    }

    [Fact]
    public void Checked_in_weights_predict_the_held_out_text_slice()
    {
        var result = ModelEvaluator.Evaluate(ModelZoo.FortunesCharLm, TestModels.Directory, ModelEvaluator.DataScope.CheckedInSlice);

        Assert.Equal("bits_per_char", result.Metric);
        Assert.InRange(result.Value, 1.0, 3.0); // uniform over 96 characters would be 6.58
    }

    [Fact]
    public void Greedy_generation_decodes_to_printable_text()
    {
        using var model = TestModels.Load(ModelZoo.FortunesCharLm);

        var output = model.Execute([TestModels.Prompt("The ", 40)])[0];

        var text = CharacterVocabulary.Decode(output.GeneratedTokens);
        Assert.Equal(40, text.Length);
        Assert.All(text, c => Assert.True(c == '\n' || c is >= ' ' and <= '~'));
    }

    private static double[] PlainForwardLastPosition(Dictionary<string, float[]> w, long[] tokens)
    {
        var length = tokens.Length;
        var x = new double[length][];
        for (var t = 0; t < length; t++)
            x[t] = Enumerable.Range(0, Width).Select(i => (double)w["tokens.weight"][tokens[t] * Width + i] + w["positions.weight"][t * Width + i]).ToArray();
        for (var layer = 0; layer < CharTransformer.Layers; layer++)
        {
            string P(string name) => $"blocks.{layer}.{name}";
            var normed = x.Select(row => LayerNorm(row, w[P("norm1.weight")], w[P("norm1.bias")])).ToArray();
            var q = normed.Select(r => Linear(r, w[P("query.weight")], w[P("query.bias")])).ToArray();
            var k = normed.Select(r => Linear(r, w[P("key.weight")], w[P("key.bias")])).ToArray();
            var v = normed.Select(r => Linear(r, w[P("value.weight")], w[P("value.bias")])).ToArray();
            var mixed = new double[length][];
            for (var t = 0; t < length; t++)
            {
                mixed[t] = new double[Width];
                for (var h = 0; h < Heads; h++)
                {
                    var scores = Enumerable.Range(0, t + 1)
                        .Select(s => Enumerable.Range(h * HeadWidth, HeadWidth).Sum(i => q[t][i] * k[s][i]) / Math.Sqrt(HeadWidth)).ToArray();
                    var max = scores.Max();
                    var exps = scores.Select(s => Math.Exp(s - max)).ToArray();
                    var total = exps.Sum();
                    for (var s = 0; s <= t; s++)
                    for (var i = h * HeadWidth; i < (h + 1) * HeadWidth; i++)
                        mixed[t][i] += exps[s] / total * v[s][i];
                }
            }
            for (var t = 0; t < length; t++)
            {
                var attended = Add(x[t], Linear(mixed[t], w[P("project.weight")], w[P("project.bias")]));
                var hidden = Linear(LayerNorm(attended, w[P("norm2.weight")], w[P("norm2.bias")]), w[P("expand.weight")], w[P("expand.bias")]).Select(Gelu).ToArray();
                x[t] = Add(attended, Linear(hidden, w[P("contract.weight")], w[P("contract.bias")]));
            }
        }
        return Linear(LayerNorm(x[^1], w["finalNorm.weight"], w["finalNorm.bias"]), w["head.weight"], w["head.bias"]);
    }

    private static double[] Linear(double[] input, float[] weight, float[] bias)
    {
        var output = new double[bias.Length];
        for (var o = 0; o < output.Length; o++)
        {
            var sum = (double)bias[o];
            for (var i = 0; i < input.Length; i++) sum += weight[o * input.Length + i] * input[i];
            output[o] = sum;
        }
        return output;
    }

    private static double[] LayerNorm(double[] row, float[] gain, float[] bias)
    {
        const double epsilon = 1e-5;
        var mean = row.Average();
        var variance = row.Sum(v => (v - mean) * (v - mean)) / row.Length;
        return row.Select((v, i) => (v - mean) / Math.Sqrt(variance + epsilon) * gain[i] + bias[i]).ToArray();
    }

    private static double[] Add(double[] a, double[] b) => a.Zip(b, (x, y) => x + y).ToArray();

    private static double Gelu(double x) => 0.5 * x * (1 + Erf(x / Math.Sqrt(2)));

    /// <summary>Maclaurin series in double: cancellation costs at most ~7 of 16 digits for |x| ≤ 4; erf(±4) = ±1 to 1.6e-8.</summary>
    private static double Erf(double x)
    {
        if (Math.Abs(x) > 4) return Math.Sign(x);
        double sum = 0, term = x;
        for (var n = 0; n < 200; n++)
        {
            sum += term / (2 * n + 1);
            term *= -x * x / (n + 1);
        }
        return 2 / Math.Sqrt(Math.PI) * sum;
    }
}
