using System.Runtime.InteropServices;

namespace Zone.Actors.Persistence;

/// <summary>
/// Native memory for the bytes of the memory journal and snapshot store. Those stores keep writing memory the process
/// touches for the first time (the journal only grows; each snapshot replaces the last), and with 4 KB pages every first
/// touch is a page fault, which on this machine's virtualised CPUs costs ~10 µs: on the ledger bench, 100-180 faults per
/// 1,000 jobs and ~19 % of the process's CPU, most of them in those stores' fresh large arrays. So a block of 1 MB or more
/// is aligned to 2 MB and offered to the kernel for transparent huge pages (madvise MADV_HUGEPAGE, Linux): one fault then
/// maps 2 MB. Where the kernel declines (THP set to never, or no huge page free) it is ordinary memory, only slower.
/// Smaller blocks are exactly their size. Not collected: <see cref="Dispose"/> frees the memory.
/// </summary>
internal sealed unsafe partial class NativeBlock : IDisposable
{
    private const int HugePageBytes = 2 << 20;
    private const int MadviseHugePage = 14;

    private byte* _memory;

    /// <summary>
    /// Allocates at least <paramref name="bytes"/>: from 1 MB up, rounded up to whole huge pages; below, exactly that many
    /// in ordinary pages (a small snapshot should not hold 2 MB).
    /// </summary>
    public NativeBlock(int bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        if (bytes < HugePageBytes / 2)
        {
            Length = bytes;
            _memory = (byte*)NativeMemory.Alloc((nuint)Math.Max(bytes, 1));
            return;
        }
        Length = checked((bytes + HugePageBytes - 1) / HugePageBytes * HugePageBytes);
        _memory = (byte*)NativeMemory.AlignedAlloc((nuint)Length, HugePageBytes);
        if (OperatingSystem.IsLinux()) _ = Madvise(_memory, (nuint)Length, MadviseHugePage); // advice only: refused is fine
    }

    public int Length { get; }

    /// <summary>
    /// Writes a byte in every page, so that the kernel maps them now rather than at the first real write (a huge page is
    /// mapped, and zeroed, by its first byte's write; the other writes then find it mapped).
    /// </summary>
    public void Touch()
    {
        ObjectDisposedException.ThrowIf(_memory is null, this);
        for (var i = 0; i < Length; i += Environment.SystemPageSize) Volatile.Write(ref _memory[i], (byte)0);
    }

    public Span<byte> Slice(int offset, int length)
    {
        ObjectDisposedException.ThrowIf(_memory is null, this);
        if (offset < 0 || length < 0 || (long)offset + length > Length)
            throw new ArgumentOutOfRangeException(nameof(length), $"{offset}+{length} lies outside a block of {Length} bytes");
        return new Span<byte>(_memory + offset, length);
    }

    public void Dispose()
    {
        if (_memory is null) return;
        if (Length < HugePageBytes / 2) NativeMemory.Free(_memory);
        else NativeMemory.AlignedFree(_memory);
        _memory = null;
    }

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(void* address, nuint length, int advice);
}
