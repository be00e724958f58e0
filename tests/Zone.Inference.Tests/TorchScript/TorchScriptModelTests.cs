using System.Text.Json;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Zone.Inference.Commitments;
using Zone.Inference.Execution;
using Zone.Inference.TorchScript;
using Zone.Inference.Worker;
using Zone.Inference.Zoo;
using static TorchSharp.torch;

namespace Zone.Inference.Tests.TorchScript;

/// <summary>
/// Fixtures written by Debian's PyTorch 1.13.1 (tools/torchscript/write_fixtures.py), with PyTorch's own
/// outputs for fixed inputs. TorchSharp's libtorch 2.10 uses other CPU kernels, so outputs are compared
/// within <see cref="CrossImplementationTolerance"/> (differences up to 5.5e-7 were measured here).
/// </summary>
public sealed class TorchScriptModelTests() : TestKit(TestModels.WorkerSystem)
{
    private const double CrossImplementationTolerance = 1e-5;
    private static readonly string Fixtures = Path.Combine(AppContext.BaseDirectory, "Fixtures");
    private static readonly JsonElement Reference = JsonDocument.Parse(File.ReadAllText(Path.Combine(Fixtures, "reference.json"))).RootElement;

    [Theory]
    [InlineData("small_mlp", new[] { 8 }, new[] { 3 }, 2L * (8 * 16 + 16 * 3))]
    [InlineData("tiny_conv", new[] { 1, 6, 6 }, new[] { 4 }, 2L * (9 * 2 * 16 + 32 * 4))]
    public void PyTorch_written_models_register_and_agree_with_PyTorch_within_tolerance(string name, int[] inputShape, int[] outputShape, long flops)
    {
        using var model = TorchScriptModels.Register(Declaration(name, inputShape, outputShape, flops, ReferenceCases(name)), CPU);
        var cases = ReferenceCases(name);

        var outputs = model.Execute(cases.Select(c => (InferenceInput)TensorInput.OfFloat32(c.Input.Select(v => (float)v).ToArray(), inputShape)).ToArray());

        Assert.Equal(ModelZoo.Sha256Hex(File.ReadAllBytes(Path.Combine(Fixtures, name + ".pt"))), model.Spec.WeightsSha256);
        Assert.Equal(flops, model.Spec.FlopsPerUnit);
        Assert.All(outputs.Zip(cases), pair =>
        {
            Assert.Equal(outputShape, pair.First.Shape);
            Assert.InRange(Reexecution.MaxAbsDifference(pair.First.Values, pair.Second.ExpectedOutput), 0, CrossImplementationTolerance);
        });
    }

    [Fact]
    public void A_registered_model_is_served_by_the_worker_like_a_zoo_model()
    {
        var model = TorchScriptModels.Register(Declaration("small_mlp", [8], [3], 416, ReferenceCases("small_mlp")), CPU);
        var input = TensorInput.OfFloat32(ReferenceCases("small_mlp")[2].Input.Select(v => (float)v).ToArray(), 8);
        var expected = model.Execute([input])[0].Commitment;
        var worker = Sys.ActorOf(InferenceWorker.Props(model, InferenceWorkerSettings.Default));

        worker.Tell(new Infer("ts-1", input));

        var reply = ExpectMsg<InferenceCompleted>(TimeSpan.FromSeconds(20));
        Assert.Equal(expected, reply.Commitment);
        Assert.Equal(416, reply.Flops);
    }

    [Fact]
    public void A_corrupt_file_is_refused_with_one_line_and_no_backtrace()
    {
        var error = Assert.Throws<ModelRegistrationException>(() => TorchScriptModels.Register(Declaration("corrupt", [8], [3], 1), CPU));

        Assert.Contains("is not a loadable TorchScript file", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void A_missing_file_is_refused()
    {
        var error = Assert.Throws<ModelRegistrationException>(() => TorchScriptModels.Register(Declaration("absent", [8], [3], 1), CPU));

        Assert.Contains("file not found", error.Message);
    }

    [Fact]
    public void A_wrong_declared_input_shape_is_refused()
    {
        var error = Assert.Throws<ModelRegistrationException>(() => TorchScriptModels.Register(Declaration("small_mlp", [7], [3], 1), CPU));

        Assert.Contains("does not accept the declared input float32[7]", error.Message);
        Assert.EndsWith("mat1 and mat2 shapes cannot be multiplied (16x7 and 8x16)", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void An_output_not_matching_the_declaration_is_refused()
    {
        var error = Assert.Throws<ModelRegistrationException>(() => TorchScriptModels.Register(Declaration("tiny_conv", [1, 6, 6], [10], 1), CPU));

        Assert.Contains("output per sample has shape [4], but the declaration says [10]", error.Message);
    }

    [Fact]
    public void Reference_outputs_outside_the_tolerance_are_refused()
    {
        var cases = ReferenceCases("small_mlp").ToArray();
        cases[1] = cases[1] with { ExpectedOutput = cases[1].ExpectedOutput.Select(v => v + 1e-3f).ToArray() };

        var error = Assert.Throws<ModelRegistrationException>(() => TorchScriptModels.Register(Declaration("small_mlp", [8], [3], 1, cases), CPU));

        Assert.Contains("reference case 1: output differs from the declared reference", error.Message);
    }

    private static TorchScriptDeclaration Declaration(string name, int[] inputShape, int[] outputShape, long flops, IReadOnlyList<ReferenceCase>? cases = null) =>
        new($"user-{name}", "1", Path.Combine(Fixtures, name + ".pt"), inputShape, TensorElementType.Float32, outputShape, flops, CrossImplementationTolerance, cases);

    private static IReadOnlyList<ReferenceCase> ReferenceCases(string name)
    {
        var fixture = Reference.GetProperty(name);
        var inputs = fixture.GetProperty("inputs").EnumerateArray().Select(row => row.EnumerateArray().Select(v => v.GetDouble()).ToArray());
        var outputs = fixture.GetProperty("outputs").EnumerateArray().Select(row => row.EnumerateArray().Select(v => (float)v.GetDouble()).ToArray());
        return inputs.Zip(outputs, (input, output) => new ReferenceCase(input, output)).ToArray();
    }
}
