using static TorchSharp.torch;

namespace Zone.Inference.Runtime;

/// <summary>
/// The device named in configuration: "cpu", "cuda" (or "cuda:N") or "auto" (CUDA when present, else CPU).
/// This build references the CPU libtorch package only; CUDA needs the user to replace
/// libtorch-cpu-linux-x64 with a libtorch-cuda package matching TorchSharp (e.g. TorchSharp-cuda-linux).
/// </summary>
public static class InferenceDevice
{
    public static Device Resolve(string name)
    {
        TorchBackend.EnsureLoaded();
        var normalized = name.Trim().ToLowerInvariant();
        return normalized switch
        {
            "cpu" => CPU,
            "auto" => cuda.is_available() ? CUDA : CPU,
            _ when normalized == "cuda" || normalized.StartsWith("cuda:", StringComparison.Ordinal) => cuda.is_available()
                ? new Device(normalized)
                : throw new ArgumentException($"device '{name}' requested but CUDA is not available: this build references libtorch-cpu-linux-x64; " +
                    "reference a libtorch CUDA package matching TorchSharp instead (e.g. TorchSharp-cuda-linux) on a machine with an NVIDIA driver, or use device = cpu"),
            _ => throw new ArgumentException($"unknown device '{name}': expected cpu, cuda, cuda:N or auto"),
        };
    }
}
