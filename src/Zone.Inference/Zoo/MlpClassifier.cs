using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Zone.Inference.Zoo;

/// <summary>Fashion-MNIST MLP 784-256-128-10 with ReLU; input [N, 1, 28, 28] pixels in [0, 1], output class logits.</summary>
public sealed class MlpClassifier : nn.Module<Tensor, Tensor>
{
    public const int Inputs = 784, Hidden1 = 256, Hidden2 = 128, Classes = 10;
    public const long FlopsPerSample = 2L * (Inputs * Hidden1 + Hidden1 * Hidden2 + Hidden2 * Classes);

    private readonly Linear fc1 = nn.Linear(Inputs, Hidden1);
    private readonly Linear fc2 = nn.Linear(Hidden1, Hidden2);
    private readonly Linear fc3 = nn.Linear(Hidden2, Classes);

    public MlpClassifier() : base(nameof(MlpClassifier)) => RegisterComponents();

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = input.reshape(input.size(0), Inputs); // not shape[0], which leaves an object for the finalizer (see TensorModel)
        x = nn.functional.relu(fc1.forward(x));
        x = nn.functional.relu(fc2.forward(x));
        return fc3.forward(x).MoveToOuterDisposeScope();
    }

    /// <summary>The weights as plain arrays, for checking the forward pass against independent arithmetic.</summary>
    public IReadOnlyList<(float[,] Weight, float[] Bias)> Layers() =>
        new[] { fc1, fc2, fc3 }.Select(l => (ToMatrix(l.weight!), l.bias!.data<float>().ToArray())).ToArray();

    private static float[,] ToMatrix(Tensor weight)
    {
        var (rows, columns) = ((int)weight.shape[0], (int)weight.shape[1]);
        var values = weight.data<float>().ToArray();
        var matrix = new float[rows, columns];
        Buffer.BlockCopy(values, 0, matrix, 0, values.Length * sizeof(float));
        return matrix;
    }
}
