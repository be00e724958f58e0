namespace Zone.Inference.Zoo;

/// <summary>
/// Where checked-in weights and held-out data live: $ZONE_MODELS_DIR, else the nearest models/ folder
/// holding a manifest above the current directory (a checkout), else the copy next to the program.
/// </summary>
public static class ModelsDirectory
{
    public const string EnvironmentVariable = "ZONE_MODELS_DIR";

    public static string Locate()
    {
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } configured) return Path.GetFullPath(configured);
        for (var directory = new DirectoryInfo(Environment.CurrentDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "models");
            if (File.Exists(Path.Combine(candidate, ModelManifest.FileName))) return candidate;
        }
        return Path.Combine(AppContext.BaseDirectory, "models");
    }
}
