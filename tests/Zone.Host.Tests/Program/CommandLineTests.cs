using System.Text.Json;

namespace Zone.Host.Tests.Program;

/// <summary>The program as users call it: exit codes and what they read on the console.</summary>
public sealed class CommandLineTests
{
    [Fact]
    public async Task Config_show_with_an_unknown_key_fails_naming_the_key()
    {
        var outcome = await ZoneProcess.RunAsync("config", "--show", "--set", "zone.nope=1");
        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains("zone.nope", outcome.Stderr);
        Assert.Equal("", outcome.Stdout);
    }

    [Fact]
    public async Task Config_checks_every_section_not_only_the_node_settings()
    {
        var outcome = await ZoneProcess.RunAsync("config", "--set", "zone.settlement.mode=lazy");
        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains("'zone.settlement.mode' expects private, individual or batch but found 'lazy'", outcome.Stderr);
    }

    [Fact]
    public async Task Config_show_prints_every_key_with_its_source()
    {
        var outcome = await ZoneProcess.RunAsync("config", "--show", "--set", "zone.persistence.provider=memory", "--data", "/tmp/zone-data");
        Assert.Equal(0, outcome.ExitCode);
        Assert.Contains("zone.persistence.provider = \"memory\"", outcome.Stdout);
        Assert.Contains("# --set zone.persistence.provider=memory", outcome.Stdout);
        Assert.Contains("zone.data-dir = \"/tmp/zone-data\"", outcome.Stdout);
        Assert.Contains("zone.cluster.number-of-shards = 100", outcome.Stdout);
    }

    [Fact]
    public async Task Version_and_help_work()
    {
        var version = await ZoneProcess.RunAsync("--version");
        Assert.Equal(0, version.ExitCode);
        Assert.StartsWith("0.1.0", version.Stdout.Trim());
        var help = await ZoneProcess.RunAsync("--help");
        Assert.Equal(0, help.ExitCode);
        foreach (var command in new[] { "doctor", "config", "bench" }) Assert.Contains(command, help.Stdout);
    }

    [Fact]
    public async Task An_unknown_bench_suite_is_named_with_the_known_ones()
    {
        var outcome = await ZoneProcess.RunAsync("bench", "nosuch");
        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains("unknown bench suite 'nosuch'", outcome.Stderr);
        Assert.Contains("messaging", outcome.Stderr);
    }

    [Fact]
    public async Task Doctor_reports_a_real_forward_pass_and_passes_on_a_writable_data_directory()
    {
        var data = Directory.CreateTempSubdirectory("zone-doctor-");
        try
        {
            var outcome = await ZoneProcess.RunAsync("doctor", "--data", data.FullName, "--set", "zone.cluster.port=0");
            Assert.True(outcome.ExitCode == 0, outcome.Stdout + outcome.Stderr);
            Assert.Contains("OK    torchsharp", outcome.Stdout);
            Assert.Contains("forward", outcome.Stdout);
            Assert.Contains("journal_mode=wal", outcome.Stdout);
        }
        finally
        {
            data.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Doctor_fails_with_a_fix_when_postgres_is_unreachable()
    {
        var outcome = await ZoneProcess.RunAsync("doctor", "--set", "zone.persistence.provider=postgres",
            "--set", "zone.persistence.postgres-connection-string=\"Host=127.0.0.1;Port=1;Username=zone;Timeout=2\"", "--set", "zone.cluster.port=0");
        Assert.Equal(1, outcome.ExitCode);
        Assert.Contains("FAIL  persistence", outcome.Stdout);
        Assert.Contains("fix:", outcome.Stdout);
    }

    [Fact]
    public async Task Bench_messaging_json_is_one_object_with_both_throughputs_and_their_ratio()
    {
        var outcome = await ZoneProcess.RunAsync("bench", "messaging", "--json",
            "--set", "zone.bench.measure-seconds=1", "--set", "zone.bench.warmup-seconds=0");
        Assert.True(outcome.ExitCode == 0, outcome.Stderr);
        using var json = JsonDocument.Parse(outcome.Stdout);
        var root = json.RootElement;
        Assert.Equal("messaging", root.GetProperty("suite").GetString());
        Assert.True(root.GetProperty("machine").GetProperty("cores").GetInt32() > 0);
        var results = root.GetProperty("results").EnumerateArray().ToDictionary(r => r.GetProperty("name").GetString()!, r => r.GetProperty("value").GetDouble());
        Assert.True(results["raw tell round trips"] > 0);
        Assert.True(results["sharded round trips"] > 0);
        var ratio = root.GetProperty("ratios").EnumerateArray().Single(r => r.GetProperty("name").GetString() == "sharded / raw tell");
        Assert.Equal("raw tell round trips", ratio.GetProperty("of").GetString());
        Assert.Equal(results["sharded round trips"] / results["raw tell round trips"], ratio.GetProperty("value").GetDouble(), 6);
    }

    [Fact]
    public async Task Bench_inference_json_reports_the_configured_models_raw_and_through_the_worker()
    {
        var outcome = await ZoneProcess.RunAsync("bench", "inference", "--json", "--set", "zone.inference.models=[fashion-mlp]",
            "--set", "zone.bench.measure-seconds=1", "--set", "zone.bench.warmup-seconds=0");
        Assert.True(outcome.ExitCode == 0, outcome.Stderr);
        using var json = JsonDocument.Parse(outcome.Stdout);
        var results = json.RootElement.GetProperty("results").EnumerateArray()
            .ToDictionary(r => r.GetProperty("name").GetString()!, r => r.GetProperty("value").GetDouble());
        Assert.DoesNotContain(results.Keys, name => name.StartsWith("fashion-cnn") || name.StartsWith("fortunes-char-lm"));
        foreach (var name in new[] { "raw forward throughput", "worker throughput", "worker throughput, single-job messages",
                     "worker throughput, requesters on the .NET thread pool", "worker latency batch 1" })
            Assert.True(results[$"fashion-mlp {name}"] > 0, name);
        // The raw limit is the better of one caller over every core and the workers' shape (a caller per lane, a lane per core).
        var shapes = results.Keys.Where(name => name.StartsWith("fashion-mlp raw forward, ")).ToList();
        Assert.Equal(Environment.ProcessorCount > 1 ? 2 : 1, shapes.Count);
        Assert.Equal(shapes.Max(name => results[name]), results["fashion-mlp raw forward throughput"]);
        Assert.InRange(results["fashion-mlp worker mean batch"], 1, 64);
        // A lone job's round trip holds its own forward pass and what the worker adds around it.
        Assert.InRange(results["fashion-mlp worker forward pass, lone job"], 1, results["fashion-mlp worker latency batch 1"]);
        Assert.InRange(results["fashion-mlp added latency at batch 1"], 1, results["fashion-mlp worker latency batch 1"]);
        Assert.True(results["fashion-mlp bare actor round trip"] > 0);
        var ratios = json.RootElement.GetProperty("ratios").EnumerateArray().ToDictionary(r => r.GetProperty("name").GetString()!, r => r.GetProperty("of").GetString());
        Assert.Equal("fashion-mlp raw forward throughput", ratios["fashion-mlp worker / raw throughput"]);
        Assert.Equal("fashion-mlp raw forward throughput", ratios["fashion-mlp worker / raw throughput, single-job messages"]);
    }
}
