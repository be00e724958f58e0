using Zone.Inference.Runtime;

namespace Zone.Inference.Tests.Runtime;

public sealed class TorchBackendTests
{
    [Fact]
    public void Self_test_runs_a_real_forward_pass()
    {
        var report = TorchBackend.SelfTest();

        Assert.StartsWith("2.", report.LibTorchVersion);
        Assert.False(report.CudaAvailable);
        Assert.True(report.Threads >= 1);
        Assert.Contains("MLP 784-64-10 forward, batch 16", report.Description);
    }

    [Fact]
    public void Ensure_loaded_is_idempotent()
    {
        TorchBackend.EnsureLoaded();
        TorchBackend.EnsureLoaded();
        Assert.Equal(4, TorchSharp.torch.ones(2, 2).sum().item<float>());
    }

    [Fact]
    public void Missing_library_yields_one_message_naming_library_reason_and_fix()
    {
        var directory = Directory.CreateTempSubdirectory("zone-missing-torch").FullName;

        var error = Assert.Throws<TorchBackendException>(() => TorchBackend.LoadFrom(directory));

        Assert.Equal("libc10.so", error.Library);
        Assert.Contains("not found in " + directory, error.Message);
        Assert.Contains("Fix: reference the NuGet packages TorchSharp and libtorch-cpu-linux-x64", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void Corrupt_library_yields_one_message_naming_library_reason_and_fix()
    {
        var directory = Directory.CreateTempSubdirectory("zone-corrupt-torch").FullName;
        foreach (var name in new[] { "libc10.so", "libtorch_cpu.so", "libtorch.so", "libLibTorchSharp.so" })
            File.WriteAllBytes(Path.Combine(directory, name), "this is not a shared library"u8.ToArray());

        var error = Assert.Throws<TorchBackendException>(() => TorchBackend.LoadFrom(directory));

        Assert.Equal("libLibTorchSharp.so", error.Library);
        Assert.Contains("is corrupt (not an ELF file)", error.Message);
        Assert.Contains("Fix: delete the output folder", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void Patch_marks_only_the_missing_libstdcxx_version_weak()
    {
        var original = File.ReadAllBytes(Path.Combine(NuGetTorchSharpNativeDirectory(), "libLibTorchSharp.so"));
        var patched = (byte[])original.Clone();

        var changed = ElfVersionNeeds.MarkWeak(patched, "GLIBCXX_3.4.32");

        Assert.Equal(1, changed);
        Assert.Equal(1, original.Zip(patched).Count(pair => pair.First != pair.Second));
        var needs = ElfVersionNeeds.Read(patched);
        Assert.Contains(needs, n => n is { Library: "libstdc++.so.6", Version: "GLIBCXX_3.4.32", IsWeak: true });
        Assert.Contains(needs, n => n is { Version: "GLIBCXX_3.4.30", IsWeak: false });
    }

    [Fact]
    public void Patching_a_copy_happens_once_and_only_when_the_system_libstdcxx_lacks_the_version()
    {
        var copy = Path.Combine(Directory.CreateTempSubdirectory("zone-patch").FullName, "libLibTorchSharp.so");
        File.Copy(Path.Combine(NuGetTorchSharpNativeDirectory(), "libLibTorchSharp.so"), copy);
        var systemHasVersion = File.ReadAllText("/usr/lib/x86_64-linux-gnu/libstdc++.so.6").Contains("GLIBCXX_3.4.32\0");

        var patchedFirst = TorchBackend.PatchIfSystemLibStdCxxLacksVersion(copy);
        var patchedAgain = TorchBackend.PatchIfSystemLibStdCxxLacksVersion(copy);

        Assert.Equal(!systemHasVersion, patchedFirst);
        Assert.False(patchedAgain);
        Assert.Equal(!systemHasVersion, ElfVersionNeeds.Read(File.ReadAllBytes(copy)).Single(n => n.Version == "GLIBCXX_3.4.32").IsWeak);
    }

    [Fact]
    public void OpenMp_helpers_are_kept_spinning_unless_the_user_chose_OpenMp_settings()
    {
        Assert.Equal([("OMP_WAIT_POLICY", "ACTIVE"), ("GOMP_SPINCOUNT", "10000")], TorchBackend.OpenMpSettingsToSet(_ => null));
        Assert.Empty(TorchBackend.OpenMpSettingsToSet(name => name == "OMP_WAIT_POLICY" ? "PASSIVE" : null));
        Assert.Empty(TorchBackend.OpenMpSettingsToSet(name => name == "GOMP_SPINCOUNT" ? "0" : null));
    }

    [Fact]
    public void Once_loaded_libtorch_runs_with_OpenMp_settings_in_the_C_environment()
    {
        TorchBackend.EnsureLoaded();
        // .NET keeps the environment the process started with: the user's choice, which Zone's settings must not override.
        string Started(string name) => Environment.GetEnvironmentVariable(name) ?? "(unset)";
        var userChose = Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") is not null || Environment.GetEnvironmentVariable("GOMP_SPINCOUNT") is not null;
        Assert.Equal(userChose
            ? $"OMP_WAIT_POLICY={Started("OMP_WAIT_POLICY")}, GOMP_SPINCOUNT={Started("GOMP_SPINCOUNT")}"
            : "OMP_WAIT_POLICY=ACTIVE, GOMP_SPINCOUNT=10000", TorchBackend.OpenMpSettings);
    }

    private static string NuGetTorchSharpNativeDirectory()
    {
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        return Path.Combine(packages, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native");
    }
}
