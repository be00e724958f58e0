using Zone.Inference.Data;
using Zone.Inference.Runtime;
using Zone.Inference.Zoo;
using static TorchSharp.torch;

namespace Zone.Inference.Training;

/// <summary>Evaluates the checked-in weights (hash-verified) on the full held-out data, or on the checked-in slice.</summary>
public static class ModelEvaluator
{
    public enum DataScope { Full, CheckedInSlice }

    public static EvaluationResult Evaluate(string modelId, string modelsDirectory, DataScope scope)
    {
        TorchBackend.EnsureLoaded();
        var entry = ModelZoo.Find(modelId);
        var manifest = ModelManifest.Read(modelsDirectory);
        if (!manifest.Models.TryGetValue(modelId, out var listed))
            throw new FileNotFoundException($"model {modelId} has no weights in {modelsDirectory}: run `zone models train {modelId}`");
        using var module = ModelZoo.LoadVerified(entry, Path.Combine(modelsDirectory, listed.WeightsFile), listed.WeightsSha256);
        if (module is CharTransformer lm)
        {
            return scope == DataScope.Full
                ? new(modelId, entry.Metric, LanguageModelTraining.BitsPerCharacter(lm, FortunesCorpus.Load().HeldOut), "fortunes held-out entries (every 20th)")
                : new(modelId, entry.Metric, LanguageModelTraining.BitsPerCharacter(lm, FortunesCorpus.LoadHeldOutSlice(modelsDirectory)), "checked-in held-out text slice");
        }
        var classifier = (nn.Module<Tensor, Tensor>)module;
        return scope == DataScope.Full
            ? new(modelId, entry.Metric, ClassifierTraining.Accuracy(classifier, FashionMnist.LoadTest()), "Fashion-MNIST test set (10,000)")
            : new(modelId, entry.Metric, ClassifierTraining.Accuracy(classifier, FashionMnist.LoadHeldOut(modelsDirectory)), $"checked-in test slice ({FashionMnist.HeldOutCount:N0})");
    }
}
