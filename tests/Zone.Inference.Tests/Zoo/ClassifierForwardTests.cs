using Zone.Inference.Execution;
using Zone.Inference.Training;
using Zone.Inference.Zoo;
using static TorchSharp.torch;

namespace Zone.Inference.Tests.Zoo;

public sealed class ClassifierForwardTests
{
    private const double ArithmeticTolerance = 1e-4;

    [Fact]
    public void Mlp_forward_pass_matches_plain_matrix_arithmetic_on_its_weights()
    {
        using var module = (MlpClassifier)LoadModule(ModelZoo.FashionMlp);
        using var model = TestModels.Load(ModelZoo.FashionMlp);
        var layers = module.Layers();

        foreach (var index in new[] { 0, 1, 2, 1999 })
        {
            var activation = TestModels.Images.Image(index).Select(p => (double)p).ToArray();
            for (var layer = 0; layer < layers.Count; layer++)
            {
                activation = Affine(layers[layer].Weight, layers[layer].Bias, activation);
                if (layer < layers.Count - 1) activation = activation.Select(v => Math.Max(0, v)).ToArray();
            }
            var served = model.Execute([TestModels.Image(index)])[0].Values;
            Assert.Equal(10, served.Length);
            Assert.All(served.Zip(activation), pair => Assert.InRange(pair.First - pair.Second, -ArithmeticTolerance, ArithmeticTolerance));
        }
    }

    [Fact]
    public void Cnn_forward_pass_matches_plain_convolution_arithmetic_on_its_weights()
    {
        using var module = LoadModule(ModelZoo.FashionCnn);
        using var model = TestModels.Load(ModelZoo.FashionCnn);
        var weights = module.state_dict().ToDictionary(p => p.Key, p => (Shape: p.Value.shape.Select(d => (int)d).ToArray(), Values: p.Value.data<float>().ToArray()));

        foreach (var index in new[] { 0, 7 })
        {
            var image = TestModels.Images.Image(index).Select(p => (double)p).ToArray();
            var x = MaxPool2(Relu(Conv3x3(image, 1, 28, weights["conv1.weight"].Values, weights["conv1.bias"].Values, 16)), 16, 28);
            x = MaxPool2(Relu(Conv3x3(x, 16, 14, weights["conv2.weight"].Values, weights["conv2.bias"].Values, 32)), 32, 14);
            x = Relu(Affine(ToMatrix(weights["fc1.weight"]), weights["fc1.bias"].Values, x));
            var expected = Affine(ToMatrix(weights["fc2.weight"]), weights["fc2.bias"].Values, x);

            var served = model.Execute([TestModels.Image(index)])[0].Values;
            Assert.All(served.Zip(expected), pair => Assert.InRange(pair.First - pair.Second, -ArithmeticTolerance, ArithmeticTolerance));
        }
    }

    [Theory]
    [InlineData(ModelZoo.FashionMlp, 0.85)]
    [InlineData(ModelZoo.FashionCnn, 0.87)]
    public void Checked_in_weights_classify_the_held_out_slice(string modelId, double minimumAccuracy)
    {
        var result = ModelEvaluator.Evaluate(modelId, TestModels.Directory, ModelEvaluator.DataScope.CheckedInSlice);

        Assert.Equal("accuracy", result.Metric);
        Assert.InRange(result.Value, minimumAccuracy, 1.0);
    }

    [Fact]
    public void Catalog_describes_every_zoo_model_with_its_weights_hash()
    {
        var catalog = ModelZoo.Catalog(TestModels.Directory);

        Assert.Equal([ModelZoo.FashionMlp, ModelZoo.FashionCnn, ModelZoo.FortunesCharLm], catalog.Select(s => s.Id));
        Assert.All(catalog, spec => Assert.Matches("^[0-9a-f]{64}$", spec.WeightsSha256));
        Assert.Equal(2L * (784 * 256 + 256 * 128 + 128 * 10), catalog[0].FlopsPerUnit);
        Assert.Equal("float32[1x28x28]", catalog[1].InputDescription);
        Assert.Equal(FlopsUnit.Token, catalog[2].FlopsUnit);
    }

    private static nn.Module LoadModule(string id)
    {
        var manifest = ModelManifest.Read(TestModels.Directory).Models[id];
        return ModelZoo.LoadVerified(ModelZoo.Find(id), Path.Combine(TestModels.Directory, manifest.WeightsFile), manifest.WeightsSha256);
    }

    private static float[,] ToMatrix((int[] Shape, float[] Values) weight)
    {
        var matrix = new float[weight.Shape[0], weight.Shape[1]];
        Buffer.BlockCopy(weight.Values, 0, matrix, 0, weight.Values.Length * sizeof(float));
        return matrix;
    }

    private static double[] Affine(float[,] weight, float[] bias, double[] input)
    {
        var output = new double[weight.GetLength(0)];
        for (var o = 0; o < output.Length; o++)
        {
            var sum = (double)bias[o];
            for (var i = 0; i < input.Length; i++) sum += weight[o, i] * input[i];
            output[o] = sum;
        }
        return output;
    }

    private static double[] Relu(double[] values) => values.Select(v => Math.Max(0, v)).ToArray();

    /// <summary>3x3 convolution, stride 1, zero padding 1, channel-major layout [channels, size, size].</summary>
    private static double[] Conv3x3(double[] input, int inChannels, int size, float[] weight, float[] bias, int outChannels)
    {
        var output = new double[outChannels * size * size];
        for (var o = 0; o < outChannels; o++)
        for (var y = 0; y < size; y++)
        for (var x = 0; x < size; x++)
        {
            var sum = (double)bias[o];
            for (var c = 0; c < inChannels; c++)
            for (var ky = 0; ky < 3; ky++)
            for (var kx = 0; kx < 3; kx++)
            {
                var (iy, ix) = (y + ky - 1, x + kx - 1);
                if (iy < 0 || iy >= size || ix < 0 || ix >= size) continue;
                sum += weight[((o * inChannels + c) * 3 + ky) * 3 + kx] * input[(c * size + iy) * size + ix];
            }
            output[(o * size + y) * size + x] = sum;
        }
        return output;
    }

    private static double[] MaxPool2(double[] input, int channels, int size)
    {
        var half = size / 2;
        var output = new double[channels * half * half];
        for (var c = 0; c < channels; c++)
        for (var y = 0; y < half; y++)
        for (var x = 0; x < half; x++)
        {
            var at = (c * size + 2 * y) * size + 2 * x;
            output[(c * half + y) * half + x] = Math.Max(Math.Max(input[at], input[at + 1]), Math.Max(input[at + size], input[at + size + 1]));
        }
        return output;
    }
}
