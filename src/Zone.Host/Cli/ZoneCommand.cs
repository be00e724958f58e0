using System.CommandLine;
using Zone.Host.Configuration;

namespace Zone.Host.Cli;

/// <summary>Runs a command body with the errors users can cause turned into one clear line and exit code 2.</summary>
public static class ZoneCommand
{
    public const int UsageError = 2;

    public static void SetZoneAction(this Command command, Func<ParseResult, CancellationToken, Task<int>> action) =>
        command.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                return await action(parse, cancellationToken);
            }
            catch (ZoneConfigException e)
            {
                await Console.Error.WriteLineAsync($"zone: configuration error: {e.Message}");
                return UsageError;
            }
            catch (ZoneUsageException e)
            {
                await Console.Error.WriteLineAsync($"zone: {e.Message}");
                return UsageError;
            }
        });
}

/// <summary>A mistake in how a command was called (unknown suite, missing file): reported without a stack trace.</summary>
public sealed class ZoneUsageException(string message) : Exception(message);
