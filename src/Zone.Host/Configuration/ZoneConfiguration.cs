using System.Collections;
using Akka.Configuration;
using Zone.Actors.Hosting;

namespace Zone.Host.Configuration;

/// <summary>
/// The effective zone.* configuration: hocon/zone.conf defaults, then --config FILE, then --set key=value,
/// then ZONE__* environment variables, each layer validated against the defaults' keys and types.
/// </summary>
public sealed class ZoneConfiguration
{
    public const string EnvironmentPrefix = "ZONE__";

    private ZoneConfiguration(Config config, IReadOnlyList<ConfigLayer> layers)
    {
        Config = config;
        Layers = layers;
    }

    public Config Config { get; }

    /// <summary>Lowest priority first.</summary>
    public IReadOnlyList<ConfigLayer> Layers { get; }

    public static string DefaultsText { get; } = ReadDefaults();

    public static ZoneConfiguration Load(string? configFile = null, IEnumerable<string>? assignments = null,
        string? dataDirectory = null, IDictionary? environment = null)
    {
        var defaults = ConfigLayer.FromText("hocon/zone.conf", DefaultsText);
        var schema = new ConfigSchema(defaults.Config);
        var layers = new List<ConfigLayer> { defaults };
        if (configFile is not null) layers.Add(ConfigLayer.FromFile(configFile));
        foreach (var assignment in assignments ?? [])
        {
            var equals = assignment.IndexOf('=');
            if (equals <= 0) throw new ZoneConfigException($"--set {assignment}: expected key=value");
            layers.Add(ConfigLayer.FromAssignment($"--set {assignment}", assignment[..equals].Trim(), assignment[(equals + 1)..].Trim()));
        }
        if (dataDirectory is not null) layers.Add(ConfigLayer.FromAssignment("--data", "zone.data-dir", PersistenceHocon.Quote(dataDirectory)));
        layers.AddRange(EnvironmentLayers(environment ?? Environment.GetEnvironmentVariables()));

        foreach (var layer in layers.Skip(1)) schema.Validate(layer);
        var config = layers.Select(l => l.Config).Aggregate((lower, higher) => higher.WithFallback(lower));
        return new ZoneConfiguration(config, layers);
    }

    /// <summary>ZONE__PERSISTENCE__PROVIDER=postgres sets zone.persistence.provider; a single '_' inside a segment becomes '-'.</summary>
    private static IEnumerable<ConfigLayer> EnvironmentLayers(IDictionary environment)
    {
        var variables = environment.Keys.OfType<string>()
            .Where(k => k.StartsWith(EnvironmentPrefix, StringComparison.Ordinal))
            .OrderBy(k => k, StringComparer.Ordinal);
        foreach (var name in variables)
        {
            var key = "zone." + string.Join('.', name[EnvironmentPrefix.Length..].Split("__").Select(s => s.ToLowerInvariant().Replace('_', '-')));
            yield return ConfigLayer.FromAssignment($"environment variable {name}", key, (string?)environment[name] ?? "");
        }
    }

    public string GetString(string path) => Config.GetString(path) ?? throw new ZoneConfigException($"'{path}' has no value");

    public int GetInt(string path) => Config.GetInt(path);

    public IReadOnlyList<string> GetStrings(string path) => Config.GetStringList(path)?.ToList() ?? [];

    /// <summary>The layer that supplied the value at <paramref name="path"/>: shown by `zone config --show`.</summary>
    public string SourceOf(string path) =>
        Layers.LastOrDefault(l => l.Config.HasPath(path))?.Source ?? "hocon/zone.conf";

    public string DataDirectory => Path.GetFullPath(GetString("zone.data-dir"));

    public Microsoft.Extensions.Logging.LogLevel LogLevel => Choice("zone.log-level", new Dictionary<string, Microsoft.Extensions.Logging.LogLevel>
    {
        ["trace"] = Microsoft.Extensions.Logging.LogLevel.Trace,
        ["debug"] = Microsoft.Extensions.Logging.LogLevel.Debug,
        ["info"] = Microsoft.Extensions.Logging.LogLevel.Information,
        ["warning"] = Microsoft.Extensions.Logging.LogLevel.Warning,
        ["error"] = Microsoft.Extensions.Logging.LogLevel.Error,
    });

    /// <summary>The value at <paramref name="path"/> mapped through <paramref name="choices"/>; anything else is an error listing them.</summary>
    public T Choice<T>(string path, IReadOnlyDictionary<string, T> choices)
    {
        var text = GetString(path);
        if (choices.TryGetValue(text, out var value)) return value;
        var names = choices.Keys.ToList();
        var expected = names.Count == 1 ? names[0] : $"{string.Join(", ", names.SkipLast(1))} or {names[^1]}";
        throw new ZoneConfigException($"{SourceOf(path)}: '{path}' expects {expected} but found '{text}'");
    }

    public ZoneSettings ToSettings()
    {
        _ = LogLevel;
        var persistence = PersistenceSettings();
        var cluster = new ClusterSettings(
            GetString("zone.cluster.hostname"),
            Range("zone.cluster.port", 0, 65535),
            GetStrings("zone.cluster.seed-nodes"),
            Roles(),
            Range("zone.cluster.number-of-shards", 1, 10_000));
        return new ZoneSettings(GetString("zone.cluster.system-name"), persistence, cluster);
    }

    private PersistenceSettings PersistenceSettings()
    {
        var provider = Choice("zone.persistence.provider", new Dictionary<string, PersistenceProvider>
        {
            ["memory"] = PersistenceProvider.Memory,
            ["sqlite"] = PersistenceProvider.Sqlite,
            ["postgres"] = PersistenceProvider.Postgres,
        });
        return provider switch
        {
            PersistenceProvider.Memory => Actors.Hosting.PersistenceSettings.InMemory,
            PersistenceProvider.Sqlite => Actors.Hosting.PersistenceSettings.SqliteFile(Path.Combine(DataDirectory, GetString("zone.persistence.sqlite-file"))),
            _ => Actors.Hosting.PersistenceSettings.Postgres(PostgresConnectionString()),
        };
    }

    private string PostgresConnectionString()
    {
        var connectionString = GetString("zone.persistence.postgres-connection-string");
        return connectionString.Length > 0 ? connectionString : throw new ZoneConfigException(
            "zone.persistence.provider is postgres but zone.persistence.postgres-connection-string is empty: set it in a --config file " +
            "or as ZONE__PERSISTENCE__POSTGRES_CONNECTION_STRING=\"Host=...;Username=...;Database=zone\"");
    }

    private IReadOnlyList<string> Roles()
    {
        var roles = GetStrings("zone.cluster.roles");
        var unknown = roles.Except(ClusterSettings.AllRoles).ToList();
        return unknown.Count == 0 ? roles : throw new ZoneConfigException(
            $"{SourceOf("zone.cluster.roles")}: 'zone.cluster.roles' holds unknown role(s) {string.Join(", ", unknown)}; known: {string.Join(", ", ClusterSettings.AllRoles)}");
    }

    public int Range(string path, int min, int max)
    {
        var value = Config.GetLong(path);
        return value >= min && value <= max ? (int)value
            : throw new ZoneConfigException($"{SourceOf(path)}: '{path}' expects an integer within {min}..{max} but found {value}");
    }

    private static string ReadDefaults()
    {
        using var stream = typeof(ZoneConfiguration).Assembly.GetManifestResourceStream("Zone.zone.conf")
            ?? throw new InvalidOperationException("hocon/zone.conf is not embedded in the zone program");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
