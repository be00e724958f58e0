using Zone.Inference.Data;
using static TorchSharp.torch;

namespace Zone.Inference.Training;

/// <summary>Mini-batch Adam on Fashion-MNIST with cross-entropy; the data order comes from a seeded generator.</summary>
internal static class ClassifierTraining
{
    /// <summary><paramref name="StepDownFromEpoch"/> (0 = never): from that epoch on the learning rate is a quarter.</summary>
    public sealed record Settings(int Epochs, int BatchSize, double LearningRate, long Seed, int StepDownFromEpoch = 0);

    public static void Train(nn.Module<Tensor, Tensor> module, LabelledImages training, Settings settings, Action<string> report, CancellationToken cancellationToken)
    {
        manual_seed(settings.Seed);
        var generator = new Generator((ulong)settings.Seed);
        using var images = ToTensor(training);
        using var labels = tensor(training.Labels.Select(l => (long)l).ToArray());
        var optimizer = optim.Adam(module.parameters(), settings.LearningRate);
        module.train();
        var batches = (training.Count + settings.BatchSize - 1) / settings.BatchSize;
        for (var epoch = 1; epoch <= settings.Epochs; epoch++)
        {
            if (epoch == settings.StepDownFromEpoch)
                foreach (var group in optimizer.ParamGroups) group.LearningRate = settings.LearningRate / 4;
            var order = randperm(training.Count, generator: generator);
            var lossSum = 0.0;
            for (var batch = 0; batch < batches; batch++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var index = order.narrow(0, batch * settings.BatchSize, Math.Min(settings.BatchSize, training.Count - batch * settings.BatchSize));
                var loss = nn.functional.cross_entropy(module.forward(images.index_select(0, index)), labels.index_select(0, index));
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
                lossSum += loss.item<float>();
            }
            order.Dispose();
            report($"epoch {epoch}/{settings.Epochs}: mean training loss {lossSum / batches:0.0000}");
        }
        module.eval();
    }

    public static double Accuracy(nn.Module<Tensor, Tensor> module, LabelledImages data)
    {
        const int evaluationBatch = 500;
        module.eval();
        using var noGrad = no_grad();
        using var images = ToTensor(data);
        var correct = 0L;
        for (var start = 0; start < data.Count; start += evaluationBatch)
        {
            using var scope = NewDisposeScope();
            var count = Math.Min(evaluationBatch, data.Count - start);
            var predicted = module.forward(images.narrow(0, start, count)).argmax(1);
            var truth = tensor(data.Labels.AsSpan(start, count).ToArray().Select(l => (long)l).ToArray());
            correct += predicted.eq(truth).sum().item<long>();
        }
        return (double)correct / data.Count;
    }

    private static Tensor ToTensor(LabelledImages data) => tensor(data.Pixels, [data.Count, 1, data.Rows, data.Columns]);
}
