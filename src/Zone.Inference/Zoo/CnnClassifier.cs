using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Zone.Inference.Zoo;

/// <summary>
/// Fashion-MNIST CNN: conv3x3(1→16) ReLU maxpool2, conv3x3(16→32) ReLU maxpool2, linear 1568→128 ReLU, linear 128→10.
/// Input [N, 1, 28, 28] pixels in [0, 1], output class logits.
/// </summary>
public sealed class CnnClassifier : nn.Module<Tensor, Tensor>
{
    public const int Channels1 = 16, Channels2 = 32, Hidden = 128, Classes = 10;
    private const int Flattened = Channels2 * 7 * 7;
    public const long FlopsPerSample =
        2L * 9 * 1 * Channels1 * 28 * 28 + 2L * 9 * Channels1 * Channels2 * 14 * 14 + 2L * Flattened * Hidden + 2L * Hidden * Classes;

    private readonly Conv2d conv1 = nn.Conv2d(1, Channels1, 3, padding: 1);
    private readonly Conv2d conv2 = nn.Conv2d(Channels1, Channels2, 3, padding: 1);
    private readonly Linear fc1 = nn.Linear(Flattened, Hidden);
    private readonly Linear fc2 = nn.Linear(Hidden, Classes);

    public CnnClassifier() : base(nameof(CnnClassifier)) => RegisterComponents();

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = nn.functional.max_pool2d(nn.functional.relu(conv1.forward(input)), 2);
        x = nn.functional.max_pool2d(nn.functional.relu(conv2.forward(x)), 2);
        x = nn.functional.relu(fc1.forward(x.flatten(1)));
        return fc2.forward(x).MoveToOuterDisposeScope();
    }
}
