using Zone.Actors.Idempotency;

namespace Zone.Actors.Settlement;

/// <summary>
/// The recently settled jobs of one settlement partition, all its providers together: job id (scoped by provider) →
/// the sequence of the batch that paid it, so a re-sent job gets its first answer. Bounded by
/// <see cref="SettlementSettings.SettledWindowJobs"/> for the whole partition and forgotten oldest first: memory
/// follows the partition's throughput, not its number of providers (a window per provider held up to that bound for
/// every provider that ever settled that many jobs).
/// </summary>
public sealed class SettledJobs(int capacity)
{
    private readonly ReferenceWindow<long> _window = new(capacity);

    public int Count => _window.Count;

    public bool TryGet(string providerId, string jobId, out long batchSequence) => _window.TryGet(0, providerId, jobId, out batchSequence);

    /// <summary>Remembers a job the caller knows is not remembered (a job of an unsettled batch never is: admission turns such a job away).</summary>
    internal void AddAbsent(string providerId, string jobId, long batchSequence) => _window.AddAbsent(0, providerId, jobId, batchSequence);

    /// <summary>Restores one remembered job (snapshots list them oldest first; adding them in that order rebuilds the window).</summary>
    public void Restore(SettledJob job) => _window.TryAdd(0, job.ProviderId, job.JobId, job.BatchSequence);

    /// <summary>Every remembered job, oldest first.</summary>
    public IEnumerable<SettledJob> Entries() => _window.Entries().Select(e => new SettledJob(e.Scope, e.Reference, e.Value));
}
