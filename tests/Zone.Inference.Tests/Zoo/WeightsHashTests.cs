using Zone.Inference.Zoo;
using static TorchSharp.torch;

namespace Zone.Inference.Tests.Zoo;

public sealed class WeightsHashTests
{
    [Fact]
    public void Loading_weights_whose_hash_differs_from_the_manifest_is_refused()
    {
        var copy = CopyOfModelsDirectory();
        var weights = Path.Combine(copy, ModelManifest.Read(copy).Models[ModelZoo.FashionMlp].WeightsFile);
        var bytes = File.ReadAllBytes(weights);
        bytes[^5] ^= 0x40;
        File.WriteAllBytes(weights, bytes);

        var error = Assert.Throws<WeightsHashMismatchException>(() => ModelZoo.Load(ModelZoo.FashionMlp, copy, CPU));

        Assert.Contains(ModelManifest.Read(copy).Models[ModelZoo.FashionMlp].WeightsSha256, error.Message);
        Assert.Contains(ModelZoo.Sha256Hex(bytes), error.Message);
    }

    [Fact]
    public void Manifest_hashes_match_the_checked_in_weights()
    {
        foreach (var (id, entry) in ModelManifest.Read(TestModels.Directory).Models)
            Assert.Equal(entry.WeightsSha256, ModelZoo.Sha256Hex(File.ReadAllBytes(Path.Combine(TestModels.Directory, entry.WeightsFile))));
    }

    [Fact]
    public void A_model_without_weights_names_the_command_that_trains_it()
    {
        var empty = Directory.CreateTempSubdirectory("zone-no-models").FullName;

        var error = Assert.Throws<FileNotFoundException>(() => ModelZoo.Load(ModelZoo.FashionCnn, empty, CPU));

        Assert.Contains("zone models train fashion-cnn", error.Message);
    }

    [Fact]
    public void Unknown_model_lists_the_zoo()
    {
        var error = Assert.Throws<ArgumentException>(() => ModelZoo.Find("resnet"));

        Assert.Contains("fashion-mlp, fashion-cnn, fortunes-char-lm", error.Message);
    }

    private static string CopyOfModelsDirectory()
    {
        var copy = Directory.CreateTempSubdirectory("zone-models").FullName;
        foreach (var file in Directory.GetFiles(TestModels.Directory))
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        return copy;
    }
}
