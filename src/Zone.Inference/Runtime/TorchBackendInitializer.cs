using System.Runtime.CompilerServices;

namespace Zone.Inference.Runtime;

internal static class TorchBackendInitializer
{
    /// <summary>
    /// Every type of this assembly may touch torch.*, and the first touch must come after the native fix,
    /// or TorchSharp binds the unpatched library. A failure is recorded, not thrown here: the next
    /// <see cref="TorchBackend.EnsureLoaded"/> reports it with the library, the reason and the fix.
    /// </summary>
#pragma warning disable CA2255 // a library module initializer is the point: it runs before any code of this assembly
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void LoadNativeStackEarly()
    {
        try
        {
            TorchBackend.EnsureLoaded();
        }
        catch (TorchBackendException)
        {
            // Recorded by EnsureLoaded; rethrown with its clear message at the first real use.
        }
    }
}
