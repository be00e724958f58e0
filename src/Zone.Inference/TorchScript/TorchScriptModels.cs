using System.Runtime.InteropServices;
using Zone.Inference.Commitments;
using Zone.Inference.Execution;
using Zone.Inference.Runtime;
using Zone.Inference.Zoo;
using static TorchSharp.torch;

namespace Zone.Inference.TorchScript;

/// <summary>
/// Registers a user's TorchScript model: hashes the file (its identity, like a zoo model's weights),
/// loads it, runs a probe batch of the declared input shape, checks the output against the declared
/// shape, and checks reference cases within the declared tolerance. Any failure refuses the model with
/// one clear message; a registered model is served exactly like a zoo model.
/// </summary>
public static class TorchScriptModels
{
    public static IInferenceModel Register(TorchScriptDeclaration declaration, Device device)
    {
        TorchBackend.EnsureLoaded();
        var id = declaration.Id;
        if (declaration.InputShape.Length == 0 || declaration.InputShape.Any(d => d < 1))
            throw new ModelRegistrationException(id, $"declared input shape [{string.Join(", ", declaration.InputShape)}] must have positive dimensions");
        if (declaration.VerificationTolerance is < 0 or double.NaN)
            throw new ModelRegistrationException(id, "verification tolerance must be zero or positive");
        if (!File.Exists(declaration.Path)) throw new ModelRegistrationException(id, $"file not found: {declaration.Path}");
        var sha256 = ModelZoo.Sha256Hex(File.ReadAllBytes(declaration.Path));
        jit.ScriptModule<Tensor, Tensor> script;
        try
        {
            script = jit.load<Tensor, Tensor>(declaration.Path, device.type, device.index);
        }
        catch (Exception e) when (e is ExternalException or ArgumentException or IOException)
        {
            throw new ModelRegistrationException(id, $"{declaration.Path} is not a loadable TorchScript file: {TorchBackend.FirstLine(e.Message)}", e);
        }
        script.eval();
        var spec = new ModelSpec(id, declaration.Version, $"TorchScript {System.IO.Path.GetFileName(declaration.Path)}", declaration.InputShape,
            declaration.InputType, $"float32[{string.Join('x', declaration.OutputShape)}] as declared", declaration.FlopsPerSample, FlopsUnit.Sample, sha256);
        var model = new TensorModel(spec, script.forward, device, script);
        try
        {
            Probe(model, declaration);
            CheckReferenceCases(model, declaration);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        return model;
    }

    private static void Probe(TensorModel model, TorchScriptDeclaration declaration)
    {
        var elements = declaration.InputShape.Aggregate(1, (a, d) => a * d);
        var zeros = declaration.InputType == TensorElementType.Float32
            ? TensorInput.OfFloat32(new float[elements], declaration.InputShape)
            : TensorInput.OfInt64(new long[elements], declaration.InputShape);
        int[] rowShape;
        try
        {
            model.ForwardRows([zeros], out rowShape);
        }
        catch (Exception e) when (e is ExternalException or ArgumentException or InvalidOperationException)
        {
            throw new ModelRegistrationException(declaration.Id,
                $"the model does not accept the declared input {declaration.InputType.ToString().ToLowerInvariant()}[{string.Join('x', declaration.InputShape)}] " +
                $"(batched to [{BatchInvariance.PaddedRows(1)}, {string.Join(", ", declaration.InputShape)}]): {TorchBackend.FirstLine(e.Message)}", e);
        }
        if (!rowShape.SequenceEqual(declaration.OutputShape))
            throw new ModelRegistrationException(declaration.Id,
                $"the model's output per sample has shape [{string.Join(", ", rowShape)}], but the declaration says [{string.Join(", ", declaration.OutputShape)}]");
    }

    private static void CheckReferenceCases(TensorModel model, TorchScriptDeclaration declaration)
    {
        var cases = declaration.ReferenceCases ?? [];
        for (var i = 0; i < cases.Count; i++)
        {
            var input = declaration.InputType == TensorElementType.Float32
                ? TensorInput.OfFloat32(cases[i].Input.Select(v => (float)v).ToArray(), declaration.InputShape)
                : TensorInput.OfInt64(cases[i].Input.Select(v => (long)v).ToArray(), declaration.InputShape);
            if (model.Validate(input) is { } reason) throw new ModelRegistrationException(declaration.Id, $"reference case {i}: {reason}");
            var actual = model.Execute([input])[0].Values;
            if (actual.Length != cases[i].ExpectedOutput.Length)
                throw new ModelRegistrationException(declaration.Id, $"reference case {i}: {actual.Length} output values, expected {cases[i].ExpectedOutput.Length}");
            var difference = Reexecution.MaxAbsDifference(actual, cases[i].ExpectedOutput);
            if (difference > declaration.VerificationTolerance)
                throw new ModelRegistrationException(declaration.Id,
                    $"reference case {i}: output differs from the declared reference by {difference:G3}, more than the tolerance {declaration.VerificationTolerance:G3}");
        }
    }
}
