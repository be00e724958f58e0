using Zone.Inference.Data;
using Zone.Inference.Runtime;
using Zone.Inference.Zoo;
using static TorchSharp.torch;

namespace Zone.Inference.Training;

/// <summary>
/// Trains a zoo model on its full data set (Debian packages), evaluates it, writes its weights and the
/// held-out slices under models/, and records hash and metric in the manifest.
/// </summary>
public static class ModelTrainer
{
    public const long Seed = 20261124;
    private static readonly ClassifierTraining.Settings MlpSettings = new(Epochs: 10, BatchSize: 128, LearningRate: 1e-3, Seed);
    private static readonly ClassifierTraining.Settings CnnSettings = new(Epochs: 8, BatchSize: 64, LearningRate: 1e-3, Seed, StepDownFromEpoch: 7);
    private static readonly LanguageModelTraining.Settings LmSettings = new(Steps: 3000, BatchSize: 32, LearningRate: 3e-3, Seed);

    public static EvaluationResult Train(string modelId, string modelsDirectory, Action<string> report, CancellationToken cancellationToken = default)
    {
        TorchBackend.EnsureLoaded();
        var entry = ModelZoo.Find(modelId);
        Directory.CreateDirectory(modelsDirectory);
        var module = entry.Create();
        string trainedWith;
        EvaluationResult result;
        if (module is CharTransformer lm)
        {
            var corpus = FortunesCorpus.Load();
            report($"fortunes: {corpus.Training.Length:N0} training and {corpus.HeldOut.Length:N0} held-out characters");
            LanguageModelTraining.Train(lm, corpus.Training, LmSettings, report, cancellationToken);
            FortunesCorpus.WriteHeldOutSlice(corpus.HeldOut, modelsDirectory);
            result = new EvaluationResult(modelId, entry.Metric, LanguageModelTraining.BitsPerCharacter(lm, corpus.HeldOut), "fortunes held-out entries (every 20th)");
            trainedWith = $"{LmSettings}";
        }
        else
        {
            var classifier = (nn.Module<Tensor, Tensor>)module;
            var settings = modelId == ModelZoo.FashionMlp ? MlpSettings : CnnSettings;
            var (training, test) = (FashionMnist.LoadTraining(), FashionMnist.LoadTest());
            report($"Fashion-MNIST: {training.Count:N0} training and {test.Count:N0} test images");
            ClassifierTraining.Train(classifier, training, settings, report, cancellationToken);
            FashionMnist.WriteHeldOut(test, modelsDirectory);
            result = new EvaluationResult(modelId, entry.Metric, ClassifierTraining.Accuracy(classifier, test), "Fashion-MNIST test set (10,000)");
            trainedWith = $"{settings}";
        }
        var weightsPath = Path.Combine(modelsDirectory, entry.WeightsFile);
        module.save(weightsPath);
        var sha256 = ModelZoo.Sha256Hex(File.ReadAllBytes(weightsPath));
        ModelManifest.Read(modelsDirectory)
            .With(modelId, new ManifestEntry(entry.WeightsFile, sha256, result.Metric, Math.Round(result.Value, 4), result.Data, trainedWith))
            .Write(modelsDirectory);
        report($"{modelId}: {result.Metric} {result.Value:0.0000} on {result.Data}; weights {entry.WeightsFile} sha256 {sha256}");
        module.Dispose();
        return result;
    }
}
