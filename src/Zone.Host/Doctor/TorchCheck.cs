namespace Zone.Host.Doctor;

/// <summary>TorchSharp's native backend loads and runs a real forward pass.</summary>
internal static class TorchCheck
{
    public static DoctorCheck Run()
    {
        const string name = "torchsharp";
        try
        {
            var selfTest = Zone.Inference.Runtime.TorchBackend.SelfTest();
            var cuda = selfTest.CudaAvailable ? "CUDA available" : "CUDA not available (CPU only)";
            return DoctorCheck.Pass(name, $"libtorch {selfTest.LibTorchVersion}, {selfTest.Threads} threads, {cuda}; {selfTest.Description}");
        }
        catch (Zone.Inference.Runtime.TorchBackendException e)
        {
            return DoctorCheck.Fail(name, e.Message, "see the message above; `zone doctor` must pass before inference can run");
        }
    }
}
