namespace Zone.Inference.Data;

/// <summary>A full data set is not installed. The message names the Debian package that provides it.</summary>
public sealed class DataUnavailableException(string message) : Exception(message);
