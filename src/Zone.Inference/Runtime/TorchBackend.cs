using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace Zone.Inference.Runtime;

/// <summary>
/// Loads TorchSharp's native stack so that it works on Debian 12. TorchSharp 0.107.0's
/// libLibTorchSharp.so requires GLIBCXX_3.4.32, which Debian 12's libstdc++ lacks; the only symbol bound
/// to it is a link-time marker never called, so marking the requirement weak (one byte) is safe. Without
/// this TorchSharp fails with a misleading TypeInitializationException about a missing libtorch package.
/// The library in the application's own output folder is patched in place (atomically), only when the
/// system libstdc++ lacks the version, and the libtorch libraries are loaded from that same folder first:
/// otherwise the loader may resolve libtorch.so to another copy (Debian's python3-torch installs one in
/// /lib), and two libtorch copies in one process abort it.
/// </summary>
public static class TorchBackend
{
    internal const string TorchSharpLibrary = "libLibTorchSharp.so";
    internal const string MissingLibStdCxxVersion = "GLIBCXX_3.4.32";
    private static readonly string[] LibTorchLibrariesInLoadOrder = ["libc10.so", "libtorch_cpu.so", "libtorch.so"];

    private static readonly Lock Gate = new();
    private static bool _loaded;
    private static TorchBackendException? _failure;

    /// <summary>Idempotent, thread-safe. Throws <see cref="TorchBackendException"/> naming the library, the reason and the fix.</summary>
    public static void EnsureLoaded()
    {
        lock (Gate)
        {
            if (_loaded) return;
            if (_failure is not null) throw _failure;
            try
            {
                if (OperatingSystem.IsLinux())
                {
                    KeepLargeAllocationsInTheHeap();
                    KeepOpenMpThreadsWarm();
                    LoadFrom(FindNativeDirectory());
                }
                InitializeTorchSharp();
                _loaded = true;
            }
            catch (TorchBackendException e)
            {
                _failure = e;
                throw;
            }
        }
    }

    /// <summary>Runs a real forward pass (MLP 784-64-10, fixed seed) and reports what ran.</summary>
    public static TorchSelfTest SelfTest()
    {
        EnsureLoaded();
        const int batchRows = 16;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var generator = new Generator(20261124);
        var input = rand([batchRows, 784], generator: generator);
        var hiddenWeights = randn([64, 784], generator: generator) * 0.05f;
        var outputWeights = randn([10, 64], generator: generator) * 0.1f;
        Tensor Forward() => nn.functional.linear(nn.functional.relu(nn.functional.linear(input, hiddenWeights)), outputWeights);
        var output = Forward(); // also the warm-up: the first pass pays for kernel selection
        const int repetitions = 20;
        var stopwatch = Stopwatch.StartNew();
        for (var i = 0; i < repetitions; i++) Forward().Dispose();
        var millisPerPass = stopwatch.Elapsed.TotalMilliseconds / repetitions;
        if (output.shape is not [batchRows, 10] || !output.isfinite().all().item<bool>())
            throw new TorchBackendException(TorchSharpLibrary, "the self-test forward pass produced no finite 16x10 output", "reinstall the TorchSharp and libtorch-cpu-linux-x64 packages");
        return new TorchSelfTest(
            LibTorchVersion: __version__,
            CudaAvailable: cuda.is_available(),
            Threads: get_num_threads(),
            Description: $"MLP 784-64-10 forward, batch {batchRows}: {millisPerPass:0.###} ms");
    }

    /// <summary>
    /// Sets libtorch's intra-op thread count on the calling thread, and for every thread that has not yet run libtorch
    /// (libtorch applies its last set value when a thread first uses it); OpenMP and MKL keep the count per thread, so
    /// threads that already ran libtorch keep theirs.
    /// </summary>
    public static void SetThreads(int intraOpThreads)
    {
        if (intraOpThreads < 1) throw new ArgumentOutOfRangeException(nameof(intraOpThreads), intraOpThreads, "at least one thread");
        EnsureLoaded();
        // libtorch initialises a thread's count from its last set value when the thread first uses it, which would
        // overwrite this thread's count with whatever another thread set meanwhile: have that happen first.
        get_num_threads();
        set_num_threads(intraOpThreads);
        _threadsOnThisThread = intraOpThreads;
    }

    [ThreadStatic] private static int _threadsOnThisThread;

    /// <summary>
    /// <see cref="SetThreads"/> on the calling thread unless it already uses <paramref name="intraOpThreads"/>: cheap enough
    /// to call before every pass of an actor that may run on any thread of its dispatcher.
    /// </summary>
    public static void UseThreadsOnThisThread(int intraOpThreads)
    {
        if (_threadsOnThisThread == intraOpThreads) return;
        SetThreads(intraOpThreads);
    }

    /// <summary>
    /// A forward pass allocates and frees buffers of a few hundred KB (convolution workspaces, activations).
    /// glibc serves such blocks with mmap and returns them with munmap, or trims the heap after them, unless
    /// its dynamic mmap threshold has happened to grow past them: then every pass page-faulted fresh zeroed
    /// pages. Measured on fashion-cnn (64 rows, 2 cores): 2.4 million page faults and ~8.5 ms a pass in some
    /// processes, 34 thousand and ~4.8 ms once the thresholds are fixed, in every process. This was the CNN's
    /// bimodal worker/raw ratio. Fixed thresholds (32 MB, glibc's largest mmap threshold, and 1 GB before the
    /// heap is trimmed) keep the blocks in the heap; set through mallopt because glibc read its environment
    /// (MALLOC_MMAP_THRESHOLD_) when the process started.
    /// </summary>
    internal static void KeepLargeAllocationsInTheHeap()
    {
        if (MallOpt(MallocTrimThreshold, TrimThresholdBytes) == 0 || MallOpt(MallocMmapThreshold, MmapThresholdBytes) == 0)
            throw new TorchBackendException("libc", "mallopt refused the malloc thresholds",
                $"start the program with MALLOC_MMAP_THRESHOLD_={MmapThresholdBytes} MALLOC_TRIM_THRESHOLD_={TrimThresholdBytes}");
    }

    private const int MallocTrimThreshold = -1, MallocMmapThreshold = -3;
    internal const int MmapThresholdBytes = 32 * 1024 * 1024, TrimThresholdBytes = 1024 * 1024 * 1024;

    /// <summary>glibc's mallopt: returns 1 on success, 0 on error.</summary>
    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int MallOpt(int parameter, int value);

    /// <summary>
    /// libtorch's OpenMP (its bundled libgomp) parks a team's helper threads between parallel regions after a spin
    /// whose default is cut to 100 iterations (a few µs) as soon as the process runs more OpenMP threads than it has
    /// cores, which a zone node with several model workers (and the inference bench, raw loop beside worker) does.
    /// Waking a parked thread is expensive here (perf: 8 % of a worker's samples inside futex_wake, half of them from
    /// GOMP_parallel), and a forward pass runs several parallel regions: measured on fashion-mlp (64 rows, 2 cores),
    /// 445-540 µs a pass with parked helpers, 270-335 µs with <c>OMP_WAIT_POLICY=ACTIVE</c> and
    /// <c>GOMP_SPINCOUNT=10000</c>, which raise that spin to 1,000 iterations when cores are oversubscribed and bound it
    /// to 10,000 (well under a millisecond) when not, so an idle worker does not keep a core busy. libgomp reads them once, when it loads: they are set in the C
    /// environment before libtorch loads, unless the user set either (then the user's OpenMP settings stand).
    /// </summary>
    internal static void KeepOpenMpThreadsWarm()
    {
        foreach (var (name, value) in OpenMpSettingsToSet(CEnvironmentVariable))
            if (SetEnv(name, value, overwrite: 0) != 0)
                throw new TorchBackendException("libc", $"setenv refused {name}", $"start the program with {name}={value}");
    }

    internal static readonly (string Name, string Value)[] WarmOpenMpSettings = [("OMP_WAIT_POLICY", "ACTIVE"), ("GOMP_SPINCOUNT", "10000")];

    /// <summary>Zone's OpenMP settings, or none if the environment already sets any of them.</summary>
    internal static IReadOnlyList<(string Name, string Value)> OpenMpSettingsToSet(Func<string, string?> environment) =>
        WarmOpenMpSettings.Any(s => environment(s.Name) is not null) ? [] : WarmOpenMpSettings;

    /// <summary>The OpenMP settings libtorch runs with, as its libgomp read them from the C environment.</summary>
    public static string OpenMpSettings => !OperatingSystem.IsLinux() ? "the platform's defaults" :
        string.Join(", ", WarmOpenMpSettings.Select(s => $"{s.Name}={CEnvironmentVariable(s.Name) ?? "(unset)"}"));

    /// <summary>The C environment, which native libraries read (.NET keeps its own copy, taken when the process started).</summary>
    private static string? CEnvironmentVariable(string name) => Marshal.PtrToStringUTF8(GetEnv(name));

    [DllImport("libc", EntryPoint = "getenv")]
    private static extern IntPtr GetEnv([MarshalAs(UnmanagedType.LPUTF8Str)] string name);

    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int SetEnv([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);

    /// <summary>The seam: patches (when needed) and loads the native stack from <paramref name="nativeDirectory"/>.</summary>
    internal static void LoadFrom(string nativeDirectory)
    {
        foreach (var library in LibTorchLibrariesInLoadOrder.Append(TorchSharpLibrary))
        {
            if (!File.Exists(Path.Combine(nativeDirectory, library)))
                throw new TorchBackendException(library, $"not found in {nativeDirectory}",
                    "reference the NuGet packages TorchSharp and libtorch-cpu-linux-x64 (Directory.Packages.props) and rebuild so they are copied to the output folder");
        }
        var torchSharpPath = Path.Combine(nativeDirectory, TorchSharpLibrary);
        PatchIfSystemLibStdCxxLacksVersion(torchSharpPath);
        foreach (var library in LibTorchLibrariesInLoadOrder.Append(TorchSharpLibrary))
        {
            var path = Path.Combine(nativeDirectory, library);
            try
            {
                NativeLibrary.Load(path);
            }
            catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
            {
                throw new TorchBackendException(library, $"the dynamic loader refused {path}: {FirstLine(e.Message)}",
                    "rebuild so the output folder holds intact copies of the TorchSharp and libtorch-cpu-linux-x64 native libraries", e);
            }
        }
    }

    internal static bool PatchIfSystemLibStdCxxLacksVersion(string torchSharpPath)
    {
        byte[] elf;
        try
        {
            elf = File.ReadAllBytes(torchSharpPath);
            var strict = ElfVersionNeeds.Read(elf).Any(n => n.Version == MissingLibStdCxxVersion && !n.IsWeak);
            if (!strict || SystemLibStdCxxHas(MissingLibStdCxxVersion)) return false;
            ElfVersionNeeds.MarkWeak(elf, MissingLibStdCxxVersion);
        }
        catch (InvalidDataException e)
        {
            throw new TorchBackendException(TorchSharpLibrary, $"{torchSharpPath} is corrupt ({e.Message})",
                "delete the output folder (bin/) and rebuild so the library is copied again from the TorchSharp package", e);
        }
        try
        {
            // Write then rename: other processes may be loading the same output folder right now.
            var temporary = $"{torchSharpPath}.{Environment.ProcessId}.patching";
            File.WriteAllBytes(temporary, elf);
            File.Move(temporary, torchSharpPath, overwrite: true);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TorchBackendException(TorchSharpLibrary,
                $"it requires {MissingLibStdCxxVersion}, which this system's libstdc++ lacks, and the weak-version patch could not be written to {torchSharpPath} ({e.Message})",
                "make the application's output folder writable once so the library can be patched (or install a libstdc++ providing GLIBCXX_3.4.32)", e);
        }
    }

    private static bool SystemLibStdCxxHas(string version)
    {
        var path = LoadedLibStdCxxPath();
        if (path is null && NativeLibrary.TryLoad("libstdc++.so.6", out _)) path = LoadedLibStdCxxPath();
        if (path is null) return false;
        var needle = Encoding.ASCII.GetBytes(version + "\0");
        return File.ReadAllBytes(path).AsSpan().IndexOf(needle) >= 0;
    }

    private static string? LoadedLibStdCxxPath() =>
        File.ReadLines("/proc/self/maps")
            .Select(line => line.IndexOf('/') is var slash and >= 0 ? line[slash..] : "")
            .FirstOrDefault(path => Path.GetFileName(path).StartsWith("libstdc++.so", StringComparison.Ordinal));

    private static string FindNativeDirectory()
    {
        string[] candidates = [Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native"), AppContext.BaseDirectory];
        return candidates.FirstOrDefault(d => File.Exists(Path.Combine(d, TorchSharpLibrary)))
            ?? throw new TorchBackendException(TorchSharpLibrary, $"not found in {string.Join(" or ", candidates)}",
                "reference the NuGet packages TorchSharp and libtorch-cpu-linux-x64 and build for linux-x64 so the native libraries are copied to the output folder");
    }

    private static void InitializeTorchSharp()
    {
        try
        {
            InitializeDeviceType(DeviceType.CPU);
        }
        catch (Exception e) when (e is TypeInitializationException or DllNotFoundException or NotSupportedException or EntryPointNotFoundException)
        {
            var root = e;
            while (root.InnerException is not null) root = root.InnerException;
            throw new TorchBackendException(TorchSharpLibrary, $"TorchSharp failed to initialise: {FirstLine(root.Message)}",
                "check that TorchSharp and libtorch-cpu-linux-x64 versions match Directory.Packages.props and rebuild", e);
        }
    }

    /// <summary>
    /// libtorch messages carry a C++ backtrace after the first line; users need only the first. The
    /// TorchScript interpreter's first line only says that an operation failed: the cause is its last
    /// "RuntimeError:" line.
    /// </summary>
    internal static string FirstLine(string message)
    {
        const string cause = "RuntimeError: ";
        var lines = message.Split('\n');
        if (lines[0].Contains("TorchScript interpreter", StringComparison.Ordinal) && lines.LastOrDefault(l => l.TrimStart().StartsWith(cause, StringComparison.Ordinal)) is { } last)
            return last.Trim()[cause.Length..].Trim();
        var end = message.IndexOfAny(['\r', '\n']);
        return (end < 0 ? message : message[..end]).Trim();
    }
}
