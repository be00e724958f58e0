namespace Zone.Actors.Persistence;

/// <summary>
/// Hands out <see cref="NativeBlock"/>s of one size whose pages were touched ahead of use on a thread-pool thread (as
/// Chronicle Queue's pretoucher does for its mapped files). The memory journal only grows, so every block it takes is
/// memory the process touches for the first time, and on this machine's VM that is a host fault: the ledger bench's
/// memory phase spent 12-16 % of its CPU samples zeroing fresh huge pages inside the journal's copy, on the journal
/// actor, which every write of every partition waits for. Touched here, the faults happen off that path, while a core
/// would otherwise idle. One block is prepared ahead; when it is not ready yet, the caller gets a fresh block and
/// faults it in itself, as without this.
/// </summary>
internal sealed class PretouchedBlocks : IDisposable
{
    private readonly int _bytes;
    private Task<NativeBlock> _next;

    public PretouchedBlocks(int bytes)
    {
        _bytes = bytes;
        _next = Prepare();
    }

    public NativeBlock Take()
    {
        if (!_next.IsCompleted) return new NativeBlock(_bytes);
        var ready = _next;
        _next = Prepare();
        // A failed preparation (out of memory) is retried here, on the caller, so that it throws where it is handled.
        return ready.IsCompletedSuccessfully ? ready.Result : new NativeBlock(_bytes);
    }

    /// <summary>Frees the block prepared ahead, once its preparation has finished.</summary>
    public void Dispose() =>
        _next.ContinueWith(static prepared => { if (prepared.IsCompletedSuccessfully) prepared.Result.Dispose(); }, TaskScheduler.Default);

    private Task<NativeBlock> Prepare() => Task.Run(() =>
    {
        var block = new NativeBlock(_bytes);
        block.Touch();
        return block;
    });
}
