using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Zone.Host.Cli;
using Zone.Inference.Data;
using Zone.Inference.TorchScript;
using Zone.Inference.Training;
using Zone.Inference.Zoo;

namespace Zone.Host.Models;

/// <summary>`zone models list | train NAME | eval NAME`: the model zoo, its training and its measured quality.</summary>
public static class ModelsCommand
{
    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static Command Create() =>
        new("models", "The model zoo: list, train and evaluate the models Zone serves") { List(), Train(), Evaluate(), CheckTorchScript() };

    private static Command List()
    {
        var command = new Command("list", "Models with version, architecture, input, FLOPs and weights hash") { GlobalOptions.Json };
        command.SetZoneAction((parse, _) =>
        {
            var directory = InferenceConfiguration.From(GlobalOptions.LoadConfiguration(parse)).ModelsDirectory;
            var catalog = ModelZoo.Catalog(directory);
            if (parse.GetValue(GlobalOptions.Json))
            {
                Console.WriteLine(JsonSerializer.Serialize(catalog.Select(s => new
                {
                    id = s.Id, version = s.Version, architecture = s.Architecture, input = s.InputDescription,
                    flops = s.FlopsPerUnit, flops_per = s.FlopsUnit.ToString().ToLowerInvariant(), output = s.OutputMeaning, weights_sha256 = s.WeightsSha256,
                }), JsonOptions));
                return Task.FromResult(0);
            }
            Console.WriteLine($"{"id",-17} {"ver",-3} {"architecture",-42} {"input",-17} {"FLOPs",-22} weights sha256");
            foreach (var s in catalog)
                Console.WriteLine($"{s.Id,-17} {s.Version,-3} {s.Architecture,-42} {s.InputDescription,-17} {$"{s.FlopsPerUnit:N0}/{s.FlopsUnit.ToString().ToLowerInvariant()}",-22} {s.WeightsSha256}");
            var missing = ModelZoo.Entries.Select(e => e.Id).Except(catalog.Select(s => s.Id)).ToList();
            if (missing.Count > 0) Console.WriteLine($"not trained yet (run `zone models train NAME`): {string.Join(", ", missing)}");
            Console.WriteLine($"models directory: {directory}");
            return Task.FromResult(0);
        });
        return command;
    }

    private static Command Train()
    {
        var name = ModelName();
        var command = new Command("train", "Train a zoo model on its full data set (Debian packages) and record its weights hash") { name };
        command.SetZoneAction((parse, cancellationToken) =>
        {
            var directory = InferenceConfiguration.From(GlobalOptions.LoadConfiguration(parse)).ModelsDirectory;
            var id = Known(parse.GetValue(name)!);
            var clock = Stopwatch.StartNew();
            var result = WithData(() => ModelTrainer.Train(id, directory, line => Console.WriteLine($"[{clock.Elapsed:mm\\:ss}] {line}"), cancellationToken));
            Console.WriteLine($"trained {result.Model}: {result.Metric} = {result.Value:0.0000} on {result.Data}; weights and manifest in {directory}");
            return Task.FromResult(0);
        });
        return command;
    }

    private static Command Evaluate()
    {
        var name = ModelName();
        var slice = new Option<bool>("--slice") { Description = "Evaluate on the held-out slice checked in under models/data (no Debian packages needed)" };
        var command = new Command("eval", "Measure a model: accuracy (classifiers) or bits per character (language model)") { name, slice, GlobalOptions.Json };
        command.SetZoneAction((parse, _) =>
        {
            var directory = InferenceConfiguration.From(GlobalOptions.LoadConfiguration(parse)).ModelsDirectory;
            var id = Known(parse.GetValue(name)!);
            var scope = parse.GetValue(slice) ? ModelEvaluator.DataScope.CheckedInSlice : ModelEvaluator.DataScope.Full;
            var result = WithData(() => ModelEvaluator.Evaluate(id, directory, scope));
            Console.WriteLine(parse.GetValue(GlobalOptions.Json)
                ? JsonSerializer.Serialize(new { model = result.Model, metric = result.Metric, value = Math.Round(result.Value, 6), data = result.Data }, JsonOptions)
                : $"{result.Model}: {result.Metric} = {result.Value:0.0000} on {result.Data}");
            return Task.FromResult(0);
        });
        return command;
    }

    private static Command CheckTorchScript()
    {
        var path = new Argument<string>("path") { Description = "A TorchScript file (torch.jit.script or torch.jit.trace, saved with .save)" };
        var inputShape = new Option<string>("--input-shape") { Description = "One sample's input shape, e.g. 1x28x28", Required = true };
        var outputShape = new Option<string>("--output-shape") { Description = "One sample's output shape (float32), e.g. 10", Required = true };
        var inputType = new Option<string>("--input-type") { Description = "float32 or int64", DefaultValueFactory = _ => "float32" };
        var flops = new Option<long>("--flops") { Description = "FLOPs per sample (a multiply-add counts two)", DefaultValueFactory = _ => 0 };
        var tolerance = new Option<double>("--tolerance") { Description = "Max absolute difference a verifier allows across implementations", DefaultValueFactory = _ => 1e-5 };
        var command = new Command("check-torchscript", "Register a user TorchScript model as a worker would: hash, load, probe, check the declared shapes")
            { path, inputShape, outputShape, inputType, flops, tolerance };
        command.SetZoneAction((parse, _) =>
        {
            var file = parse.GetValue(path)!;
            var type = parse.GetValue(inputType) switch
            {
                "float32" => TensorElementType.Float32,
                "int64" => TensorElementType.Int64,
                var other => throw new ZoneUsageException($"--input-type must be float32 or int64, not '{other}'"),
            };
            var declaration = new TorchScriptDeclaration(Path.GetFileNameWithoutExtension(file), "1", Path.GetFullPath(file),
                Shape(parse.GetValue(inputShape)!, "--input-shape"), type, Shape(parse.GetValue(outputShape)!, "--output-shape"),
                parse.GetValue(flops), parse.GetValue(tolerance));
            try
            {
                using var model = TorchScriptModels.Register(declaration, TorchSharp.torch.CPU);
                var spec = model.Spec;
                Console.WriteLine($"accepted {spec.Id}: input {spec.InputDescription}, output {spec.OutputMeaning}, {spec.FlopsPerUnit:N0} FLOPs/sample, sha256 {spec.WeightsSha256}");
            }
            catch (ModelRegistrationException e)
            {
                throw new ZoneUsageException(e.Message);
            }
            return Task.FromResult(0);
        });
        return command;
    }

    private static int[] Shape(string text, string option)
    {
        var parts = text.Split(['x', ',', ' '], StringSplitOptions.RemoveEmptyEntries);
        return parts.Length > 0 && parts.All(p => int.TryParse(p, out var d) && d > 0)
            ? parts.Select(int.Parse).ToArray()
            : throw new ZoneUsageException($"{option} expects positive dimensions such as 1x28x28, not '{text}'");
    }

    private static Argument<string> ModelName() =>
        new("name") { Description = "Model id: " + string.Join(", ", ModelZoo.Entries.Select(e => e.Id)) };

    private static string Known(string id) =>
        ModelZoo.Entries.Any(e => e.Id == id) ? id
            : throw new ZoneUsageException($"unknown model '{id}'; the zoo has {string.Join(", ", ModelZoo.Entries.Select(e => e.Id))}");

    /// <summary>Missing data, weights or a tampered weights file are the user's to fix: one line, no stack trace.</summary>
    private static EvaluationResult WithData(Func<EvaluationResult> run)
    {
        try
        {
            return run();
        }
        catch (DataUnavailableException e)
        {
            throw new ZoneUsageException($"{e.Message} (or evaluate on the checked-in slice with `zone models eval NAME --slice`)");
        }
        catch (Exception e) when (e is FileNotFoundException or WeightsHashMismatchException or Zone.Inference.Runtime.TorchBackendException)
        {
            throw new ZoneUsageException(e.Message);
        }
    }
}
