using System.Text.Json;
using System.Text.Json.Serialization;

namespace Zone.Inference.Zoo;

/// <summary>
/// models/manifest.json: for each zoo model, the SHA-256 of its weights file and the metric measured
/// when it was trained. Loading a model refuses weights whose hash differs from the manifest.
/// </summary>
public sealed record ModelManifest(IReadOnlyDictionary<string, ManifestEntry> Models)
{
    public const string FileName = "manifest.json";

    public static ModelManifest Read(string modelsDirectory)
    {
        var path = Path.Combine(modelsDirectory, FileName);
        if (!File.Exists(path)) return new ModelManifest(new Dictionary<string, ManifestEntry>());
        return JsonSerializer.Deserialize(File.ReadAllText(path), ManifestJson.Default.ModelManifest)
            ?? throw new InvalidDataException($"{path} is empty");
    }

    public ModelManifest With(string modelId, ManifestEntry entry) =>
        new(new SortedDictionary<string, ManifestEntry>(Models.ToDictionary()) { [modelId] = entry });

    public void Write(string modelsDirectory) =>
        File.WriteAllText(Path.Combine(modelsDirectory, FileName), JsonSerializer.Serialize(this, ManifestJson.Default.ModelManifest) + "\n");
}

public sealed record ManifestEntry(
    string WeightsFile,
    string WeightsSha256,
    string Metric,
    double Value,
    string EvaluatedOn,
    string TrainedWith);

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(ModelManifest))]
internal sealed partial class ManifestJson : JsonSerializerContext;
