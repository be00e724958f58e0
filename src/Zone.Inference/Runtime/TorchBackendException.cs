namespace Zone.Inference.Runtime;

/// <summary>The native TorchSharp/libtorch stack could not be loaded. The message names the library, the reason and the fix.</summary>
public sealed class TorchBackendException : Exception
{
    public TorchBackendException(string library, string reason, string fix, Exception? inner = null)
        : base($"{library}: {reason}. Fix: {fix}", inner)
    {
        Library = library;
        Reason = reason;
        Fix = fix;
    }

    public string Library { get; }
    public string Reason { get; }
    public string Fix { get; }
}
