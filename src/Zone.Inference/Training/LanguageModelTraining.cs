using Zone.Inference.Data;
using Zone.Inference.Zoo;
using static TorchSharp.torch;

namespace Zone.Inference.Training;

/// <summary>Next-character prediction on random windows of the training text, Adam with a final learning-rate step down.</summary>
internal static class LanguageModelTraining
{
    public sealed record Settings(int Steps, int BatchSize, double LearningRate, long Seed);

    private const int ReportEverySteps = 100;

    public static void Train(CharTransformer module, string trainingText, Settings settings, Action<string> report, CancellationToken cancellationToken)
    {
        manual_seed(settings.Seed);
        var generator = new Generator((ulong)settings.Seed);
        using var text = tensor(CharacterVocabulary.Encode(trainingText));
        using var offsets = arange(CharTransformer.Context + 1);
        var optimizer = optim.Adam(module.parameters(), settings.LearningRate);
        module.train();
        var lossSum = 0.0;
        for (var step = 1; step <= settings.Steps; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (step == settings.Steps * 4 / 5)
                foreach (var group in optimizer.ParamGroups) group.LearningRate = settings.LearningRate / 4;
            using var scope = NewDisposeScope();
            var starts = randint(0, text.shape[0] - CharTransformer.Context - 1, [settings.BatchSize, 1], dtype: ScalarType.Int64, generator: generator);
            var windows = text.index_select(0, (starts + offsets).flatten()).view(settings.BatchSize, CharTransformer.Context + 1);
            var logits = module.forward(windows.narrow(1, 0, CharTransformer.Context));
            var loss = nn.functional.cross_entropy(logits.reshape(-1, CharTransformer.Vocabulary), windows.narrow(1, 1, CharTransformer.Context).reshape(-1));
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
            lossSum += loss.item<float>();
            if (step % ReportEverySteps == 0)
            {
                report($"step {step}/{settings.Steps}: training loss {lossSum / ReportEverySteps / Math.Log(2):0.000} bits/char");
                lossSum = 0;
            }
        }
        module.eval();
    }

    /// <summary>Mean cross-entropy in bits of each character given the preceding ones, over windows of Context + 1 characters.</summary>
    public static double BitsPerCharacter(CharTransformer module, string text)
    {
        const int window = CharTransformer.Context + 1, evaluationBatch = 128;
        var tokens = CharacterVocabulary.Encode(text);
        var windows = tokens.Length / window;
        if (windows == 0) throw new ArgumentException($"need at least {window} characters of text", nameof(text));
        module.eval();
        using var noGrad = no_grad();
        using var all = tensor(tokens.AsSpan(0, windows * window).ToArray(), [windows, window]);
        var nats = 0.0;
        for (var start = 0; start < windows; start += evaluationBatch)
        {
            using var scope = NewDisposeScope();
            var batch = all.narrow(0, start, Math.Min(evaluationBatch, windows - start));
            var logits = module.forward(batch.narrow(1, 0, CharTransformer.Context));
            nats += nn.functional.cross_entropy(logits.reshape(-1, CharTransformer.Vocabulary), batch.narrow(1, 1, CharTransformer.Context).reshape(-1),
                reduction: nn.Reduction.Sum).item<float>();
        }
        return nats / ((double)windows * CharTransformer.Context) / Math.Log(2);
    }
}
