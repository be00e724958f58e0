using System.Diagnostics;

namespace Zone.Host.Tests.Program;

/// <summary>Runs the real `zone` program (zone.dll beside the test assembly) as a child process.</summary>
public static class ZoneProcess
{
    public static string ProgramPath => Path.Combine(AppContext.BaseDirectory, "zone.dll");

    public sealed record Outcome(int ExitCode, string Stdout, string Stderr);

    public static ProcessStartInfo StartInfo(params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(ProgramPath);
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("ZONE__", StringComparison.Ordinal)).ToList())
            info.Environment.Remove(key);
        return info;
    }

    public static async Task<Outcome> RunAsync(params string[] arguments) => await RunAsync(StartInfo(arguments));

    public static async Task<Outcome> RunAsync(ProcessStartInfo info, TimeSpan? timeout = null)
    {
        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start dotnet");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"zone {string.Join(' ', info.ArgumentList.Skip(1))} did not finish in time; stderr: {await stderr}");
        }
        return new Outcome(process.ExitCode, await stdout, await stderr);
    }
}
