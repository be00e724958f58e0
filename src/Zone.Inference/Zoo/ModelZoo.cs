using TorchSharp;
using System.Security.Cryptography;
using Zone.Inference.Execution;
using Zone.Inference.Runtime;
using static TorchSharp.torch;

namespace Zone.Inference.Zoo;

/// <summary>The models Zone trains itself, with their shapes and costs; weights and hashes come from models/.</summary>
public static class ModelZoo
{
    public const string FashionMlp = "fashion-mlp";
    public const string FashionCnn = "fashion-cnn";
    public const string FortunesCharLm = "fortunes-char-lm";

    public sealed record Entry(string Id, string Version, string Architecture, int[] InputShape, TensorElementType InputType,
        string OutputMeaning, long FlopsPerUnit, FlopsUnit FlopsUnit, string Metric, Func<nn.Module> Create)
    {
        public string WeightsFile => $"{Id}-{Version}.bin";

        public ModelSpec Spec(string weightsSha256) =>
            new(Id, Version, Architecture, InputShape, InputType, OutputMeaning, FlopsPerUnit, FlopsUnit, weightsSha256);
    }

    public static readonly IReadOnlyList<Entry> Entries =
    [
        new(FashionMlp, "1", "MLP 784-256-128-10 ReLU", [1, 28, 28], TensorElementType.Float32,
            "logits of the 10 Fashion-MNIST classes", MlpClassifier.FlopsPerSample, FlopsUnit.Sample, "accuracy", () => new MlpClassifier()),
        new(FashionCnn, "1", "CNN conv16-pool-conv32-pool-fc128-fc10", [1, 28, 28], TensorElementType.Float32,
            "logits of the 10 Fashion-MNIST classes", CnnClassifier.FlopsPerSample, FlopsUnit.Sample, "accuracy", () => new CnnClassifier()),
        new(FortunesCharLm, "1", $"char transformer {CharTransformer.Layers}x{CharTransformer.Width}, {CharTransformer.Heads} heads, context {CharTransformer.Context}",
            [CharTransformer.Context], TensorElementType.Int64, $"generated token ids and the logits over {CharTransformer.Vocabulary} characters at each step",
            CharTransformer.FlopsPerToken, FlopsUnit.Token, "bits_per_char", () => new CharTransformer()),
    ];

    public static Entry Find(string id) =>
        Entries.FirstOrDefault(e => e.Id == id)
        ?? throw new ArgumentException($"unknown model '{id}'; the zoo has {string.Join(", ", Entries.Select(e => e.Id))}", nameof(id));

    /// <summary>Catalog specs for every zoo model whose weights are listed in the manifest.</summary>
    public static IReadOnlyList<ModelSpec> Catalog(string modelsDirectory)
    {
        var manifest = ModelManifest.Read(modelsDirectory);
        return Entries.Where(e => manifest.Models.ContainsKey(e.Id)).Select(e => e.Spec(manifest.Models[e.Id].WeightsSha256)).ToArray();
    }

    /// <summary>Loads a zoo model after checking its weights' SHA-256 against the manifest.</summary>
    public static IInferenceModel Load(string id, string modelsDirectory, Device device)
    {
        TorchBackend.EnsureLoaded();
        var entry = Find(id);
        var manifest = ModelManifest.Read(modelsDirectory);
        if (!manifest.Models.TryGetValue(id, out var listed))
            throw new FileNotFoundException($"model {id} has no weights in {modelsDirectory}/{ModelManifest.FileName}: run `zone models train {id}`");
        var path = Path.Combine(modelsDirectory, listed.WeightsFile);
        var module = LoadVerified(entry, path, listed.WeightsSha256);
        module.to(device);
        module.eval();
        var spec = entry.Spec(listed.WeightsSha256);
        return module switch
        {
            CharTransformer lm => new LanguageModel(spec, lm, device),
            nn.Module<Tensor, Tensor> classifier => new TensorModel(spec, classifier.forward, device, classifier),
            _ => throw new InvalidOperationException($"{module.GetType().Name} is not a servable module"),
        };
    }

    /// <summary>The bare TorchSharp module of a zoo model, hash-verified (for training tools and raw benchmarks).</summary>
    public static nn.Module LoadModule(string id, string modelsDirectory)
    {
        var manifest = ModelManifest.Read(modelsDirectory);
        if (!manifest.Models.TryGetValue(id, out var listed))
            throw new FileNotFoundException($"model {id} has no weights in {modelsDirectory}/{ModelManifest.FileName}: run `zone models train {id}`");
        return LoadVerified(Find(id), Path.Combine(modelsDirectory, listed.WeightsFile), listed.WeightsSha256);
    }

    internal static nn.Module LoadVerified(Entry entry, string path, string expectedSha256)
    {
        TorchBackend.EnsureLoaded();
        if (!File.Exists(path)) throw new FileNotFoundException($"weights of {entry.Id} missing: {path}; run `zone models train {entry.Id}`", path);
        var bytes = File.ReadAllBytes(path);
        var actual = Sha256Hex(bytes);
        if (!string.Equals(actual, expectedSha256, StringComparison.OrdinalIgnoreCase))
            throw new WeightsHashMismatchException(path, expectedSha256, actual);
        var module = entry.Create();
        using var stream = new MemoryStream(bytes);
        using var reader = new BinaryReader(stream);
        module.load(reader);
        return module;
    }

    public static string Sha256Hex(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
