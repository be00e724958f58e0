using System.Collections;
using Zone.Actors.Hosting;
using Zone.Host.Configuration;
using Zone.Host.Ledger;

namespace Zone.Host.Tests.Configuration;

public sealed class ZoneConfigurationTests
{
    private static readonly IDictionary NoEnvironment = new Hashtable();

    private static ZoneConfiguration Load(string? file = null, string[]? set = null, IDictionary? environment = null, string? data = null) =>
        ZoneConfiguration.Load(file, set, data, environment ?? NoEnvironment);

    [Fact]
    public void Defaults_give_a_single_node_sqlite_zone_under_the_data_directory()
    {
        var settings = Load(data: "/tmp/zone-defaults").ToSettings();
        Assert.Equal(PersistenceProvider.Sqlite, settings.Persistence.Provider);
        Assert.Contains("Data Source=/tmp/zone-defaults/zone.db", settings.Persistence.ConnectionString);
        Assert.Empty(settings.Cluster.SeedNodes);
        Assert.Equal(ClusterSettings.AllRoles, settings.Cluster.Roles);
    }

    [Fact]
    public void Layers_apply_in_order_file_then_set_then_environment()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "zone { cluster.port = 5000, log-level = debug, persistence.provider = memory }");
            var environment = new Hashtable { ["ZONE__CLUSTER__PORT"] = "7000", ["ZONE__LEDGER__SNAPSHOT_EVERY_COMMANDS"] = "50", ["OTHER"] = "x" };
            var configuration = Load(file, ["zone.cluster.port=6000", "zone.log-level=error"], environment);
            Assert.Equal(7000, configuration.GetInt("zone.cluster.port"));
            Assert.Equal("error", configuration.GetString("zone.log-level"));
            Assert.Equal("memory", configuration.GetString("zone.persistence.provider"));
            Assert.Equal(50, LedgerConfiguration.Ledger(configuration).SnapshotEveryCommands);
            Assert.Equal("environment variable ZONE__CLUSTER__PORT", configuration.SourceOf("zone.cluster.port"));
            Assert.Equal($"--config {file}", configuration.SourceOf("zone.persistence.provider"));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("zone.nope=1", "unknown key 'zone.nope'")]
    [InlineData("zone.cluster.prot=1", "unknown key 'zone.cluster.prot'")]
    [InlineData("zone.cluster.port=many", "'zone.cluster.port' expects an integer but found 'many'")]
    [InlineData("zone.cluster.roles=ledger", "'zone.cluster.roles' expects a list")]
    [InlineData("zone.cluster=1", "it is a section, not a value")]
    [InlineData("not a key=1", "is not a configuration key")]
    [InlineData("novalue", "expected key=value")]
    public void A_bad_override_is_an_error_naming_the_source_and_key(string assignment, string expected)
    {
        var error = Assert.Throws<ZoneConfigException>(() => Load(set: [assignment]));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void A_bad_file_names_the_file_and_the_key()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "zone.persistence { provider = sqlite, sqlite-fiel = x.db }");
            var error = Assert.Throws<ZoneConfigException>(() => Load(file));
            Assert.Contains($"--config {file}", error.Message);
            Assert.Contains("zone.persistence.sqlite-fiel", error.Message);

            File.WriteAllText(file, "zone { cluster { port = 1 ");
            Assert.Contains("not valid HOCON", Assert.Throws<ZoneConfigException>(() => Load(file)).Message);
        }
        finally
        {
            File.Delete(file);
        }
        Assert.Contains("file not found", Assert.Throws<ZoneConfigException>(() => Load("/no/such/zone.conf")).Message);
    }

    [Theory]
    [InlineData("zone.persistence.provider=mysql", "expects memory, sqlite or postgres but found 'mysql'")]
    [InlineData("zone.persistence.provider=postgres", "postgres-connection-string is empty")]
    [InlineData("zone.cluster.port=70000", "'zone.cluster.port' expects an integer within 0..65535")]
    [InlineData("zone.cluster.roles=[ledger, banker]", "unknown role(s) banker")]
    [InlineData("zone.log-level=loud", "'zone.log-level' expects trace, debug, info, warning or error but found 'loud'")]
    public void Values_of_the_right_type_but_out_of_range_are_errors_too(string assignment, string expected)
    {
        var configuration = Load(set: [assignment]);
        var error = Assert.Throws<ZoneConfigException>(() => configuration.ToSettings());
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Postgres_connection_string_comes_from_the_environment()
    {
        var environment = new Hashtable
        {
            ["ZONE__PERSISTENCE__PROVIDER"] = "postgres",
            ["ZONE__PERSISTENCE__POSTGRES_CONNECTION_STRING"] = "Host=db;Username=zone;Database=zone",
        };
        var settings = Load(environment: environment).ToSettings();
        Assert.Equal(PersistenceSettings.Postgres("Host=db;Username=zone;Database=zone"), settings.Persistence);
    }
}
