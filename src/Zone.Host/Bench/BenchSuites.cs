namespace Zone.Host.Bench;

/// <summary>Every suite `zone bench` knows; a capability adds its suite here.</summary>
public static class BenchSuites
{
    public static IReadOnlyList<IBenchSuite> All { get; } =
    [
        new MessagingBench(),
        new LedgerBench(),
        new InferenceBench(),
    ];
}
