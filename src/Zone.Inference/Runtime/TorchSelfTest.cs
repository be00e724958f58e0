namespace Zone.Inference.Runtime;

/// <summary>What <see cref="TorchBackend.SelfTest"/> measured: a real forward pass ran on this machine.</summary>
public sealed record TorchSelfTest(string LibTorchVersion, bool CudaAvailable, int Threads, string Description);
