using Akka.Configuration;
using Zone.Inference.Data;
using Zone.Inference.Execution;
using Zone.Inference.Worker;
using Zone.Inference.Zoo;
using static TorchSharp.torch;

namespace Zone.Inference.Tests;

/// <summary>The checked-in models and held-out data, as every scenario sees them (no Debian packages needed).</summary>
internal static class TestModels
{
    public static readonly string Directory = ModelsDirectory.Locate();

    /// <summary>Threads of the test systems' torch dispatcher: a lane per core, and at least two, so two lanes can run at once anywhere.</summary>
    public static readonly int TorchThreads = Math.Max(2, InferenceWorkerSettings.Default.LanesOn(TorchSharp.DeviceType.CPU));

    /// <summary>The configuration of a test ActorSystem that hosts workers: quiet logs and the workers' torch threads.</summary>
    public static readonly Config WorkerSystem = ConfigurationFactory.ParseString("akka.loglevel = WARNING")
        .WithFallback(InferenceWorker.DispatcherConfig(TorchThreads));

    private static readonly Lazy<LabelledImages> HeldOutImages = new(() => FashionMnist.LoadHeldOut(Directory));

    public static LabelledImages Images => HeldOutImages.Value;

    public static IInferenceModel Load(string id) => ModelZoo.Load(id, Directory, CPU);

    public static TensorInput Image(int index) => TensorInput.OfFloat32(Images.Image(index), 1, 28, 28);

    /// <summary>Held-out image <paramref name="index"/> with one pixel replaced, for example by a NaN.</summary>
    public static TensorInput ImageWith(int index, int pixel, float value)
    {
        var pixels = Images.Image(index);
        pixels[pixel] = value;
        return TensorInput.OfFloat32(pixels, 1, 28, 28);
    }

    public static GenerationInput Prompt(string text, int newTokens, Sampling? sampling = null) =>
        new(CharacterVocabulary.Encode(text), newTokens, sampling ?? Sampling.Greedy);
}
