using TorchSharp;
using Zone.Inference.Runtime;
using static TorchSharp.torch;

namespace Zone.Inference.Tests.Runtime;

public sealed class InferenceDeviceTests
{
    [Fact]
    public void Cpu_and_auto_resolve_to_the_cpu_on_a_machine_without_cuda()
    {
        Assert.Equal(DeviceType.CPU, InferenceDevice.Resolve("cpu").type);
        Assert.Equal(DeviceType.CPU, InferenceDevice.Resolve(" AUTO ").type);
    }

    [Fact]
    public void Cuda_without_cuda_names_the_package_to_add()
    {
        var error = Assert.Throws<ArgumentException>(() => InferenceDevice.Resolve("cuda"));

        Assert.Contains("libtorch-cpu-linux-x64", error.Message);
        Assert.Contains("TorchSharp-cuda-linux", error.Message);
    }

    [Fact]
    public void Unknown_device_is_refused()
    {
        Assert.Contains("expected cpu, cuda, cuda:N or auto", Assert.Throws<ArgumentException>(() => InferenceDevice.Resolve("tpu")).Message);
    }
}
