using System.Reflection;

namespace Zone.Actors.Serialization;

/// <summary>Maps message types to stable string manifests and their binary codecs.</summary>
public sealed class CodecRegistry
{
    private readonly Dictionary<Type, Codec> _byType = new();
    private readonly Dictionary<string, Codec> _byManifest = new(StringComparer.Ordinal);

    internal sealed record Codec(string Manifest, Type Type, Action<ZoneWriter, object> Write, Func<ZoneReader, object> Read);

    public void Add<T>(string manifest, Action<ZoneWriter, T> write, Func<ZoneReader, T> read) where T : IZoneMessage
    {
        if (string.IsNullOrWhiteSpace(manifest)) throw new ArgumentException($"empty manifest for {typeof(T).Name}", nameof(manifest));
        if (_byManifest.TryGetValue(manifest, out var existing))
            throw new InvalidOperationException($"manifest '{manifest}' is used by both {existing.Type.FullName} and {typeof(T).FullName}");
        if (_byType.ContainsKey(typeof(T)))
            throw new InvalidOperationException($"{typeof(T).FullName} has two codecs");
        var codec = new Codec(manifest, typeof(T), (w, o) => write(w, (T)o), r => read(r)!);
        _byType.Add(typeof(T), codec);
        _byManifest.Add(manifest, codec);
    }

    /// <summary>
    /// Reads a manifest this version no longer writes (a message whose layout changed, in older journals and snapshots),
    /// into the current type. <typeparamref name="T"/> must also have its current codec.
    /// </summary>
    public void AddReader<T>(string manifest, Func<ZoneReader, T> read) where T : IZoneMessage
    {
        if (_byManifest.TryGetValue(manifest, out var existing))
            throw new InvalidOperationException($"manifest '{manifest}' is used by both {existing.Type.FullName} and {typeof(T).FullName}");
        _byManifest.Add(manifest, new Codec(manifest, typeof(T),
            (_, _) => throw new InvalidOperationException($"manifest '{manifest}' is read-only: {typeof(T).Name} is written as {ManifestOf(typeof(T))}"),
            r => read(r)!));
    }

    public IReadOnlyCollection<Type> Types => _byType.Keys;

    public string ManifestOf(Type type) => CodecFor(type).Manifest;

    internal Codec CodecFor(Type type) =>
        _byType.TryGetValue(type, out var codec)
            ? codec
            : throw new ArgumentException($"{type.FullName} implements {nameof(IZoneMessage)} but no {nameof(ICodecModule)} registers a codec for it");

    internal Codec CodecFor(string manifest) =>
        _byManifest.TryGetValue(manifest, out var codec)
            ? codec
            : throw new System.Runtime.Serialization.SerializationException($"unknown Zone manifest '{manifest}' (written by a newer or foreign version?)");

    /// <summary>Every codec module in the loaded Zone assemblies (names starting with "Zone", any case).</summary>
    public static CodecRegistry Discover()
    {
        var registry = new CodecRegistry();
        var modules = AppDomain.CurrentDomain.GetAssemblies()
            .Append(typeof(CodecRegistry).Assembly)
            .Distinct()
            .Where(IsZoneAssembly)
            .SelectMany(LoadableTypes)
            .Where(t => typeof(ICodecModule).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
            .OrderBy(t => t.FullName, StringComparer.Ordinal);
        foreach (var module in modules)
            ((ICodecModule)Activator.CreateInstance(module)!).Register(registry);
        return registry;
    }

    internal static bool IsZoneAssembly(Assembly assembly) =>
        assembly.GetName().Name?.StartsWith("Zone", StringComparison.OrdinalIgnoreCase) == true && !assembly.IsDynamic;

    private static IEnumerable<Type> LoadableTypes(Assembly assembly)
    {
        try { return assembly.GetTypes(); }
        catch (ReflectionTypeLoadException e) { return e.Types.OfType<Type>(); }
    }
}
