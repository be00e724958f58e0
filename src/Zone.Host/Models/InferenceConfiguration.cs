using Zone.Host.Configuration;
using Zone.Inference.Worker;
using Zone.Inference.Zoo;

namespace Zone.Host.Models;

/// <summary>The zone.inference block of the configuration, read once and checked.</summary>
public sealed record InferenceConfiguration(string Device, IReadOnlyList<string> Models, string ModelsDirectory, InferenceWorkerSettings Worker)
{
    public static InferenceConfiguration From(ZoneConfiguration configuration)
    {
        var models = configuration.GetStrings("zone.inference.models");
        var unknown = models.Where(m => ModelZoo.Entries.All(e => e.Id != m)).ToList();
        if (unknown.Count > 0)
            throw new ZoneConfigException($"{configuration.SourceOf("zone.inference.models")}: 'zone.inference.models' names unknown model(s) " +
                $"{string.Join(", ", unknown)}; the zoo has {string.Join(", ", ModelZoo.Entries.Select(e => e.Id))}");
        var directory = configuration.GetString("zone.inference.models-dir");
        var worker = new InferenceWorkerSettings(
            MaxBatchSize: configuration.Range("zone.inference.worker.max-batch-size", 1, 256),
            MaxWaitMicros: configuration.Range("zone.inference.worker.max-wait-micros", 0, 10_000_000),
            MaxQueueLength: configuration.Range("zone.inference.worker.max-queue-length", 1, 1_000_000),
            Device: configuration.GetString("zone.inference.device"),
            Threads: configuration.Range("zone.inference.threads", 0, 1024),
            Lanes: configuration.Range("zone.inference.worker.lanes", 0, 1024));
        try
        {
            worker.Validated();
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new ZoneConfigException($"zone.inference.worker: {e.Message}");
        }
        return new InferenceConfiguration(worker.Device, models,
            directory.Length > 0 ? Path.GetFullPath(directory) : Zone.Inference.Zoo.ModelsDirectory.Locate(), worker);
    }
}
