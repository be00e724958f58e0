using System.Diagnostics;
using Akka.Actor;
using Zone.Actors.Diagnostics;

namespace Zone.Host.Bench;

/// <summary>
/// Keeps <see cref="WindowSize"/> echo requests in flight to a target until a deadline and counts the replies:
/// a closed-loop throughput measurement that is the same for a plain actor and a shard region.
/// </summary>
public sealed class RoundTripDriver : ReceiveActor
{
    public const int WindowSize = 1_000;

    public sealed record Run(TimeSpan Duration);

    public sealed record Completed(long RoundTrips, TimeSpan Elapsed);

    private readonly IActorRef _target;
    private readonly int _entityCount;
    private readonly string[] _entityIds;
    private long _sent;
    private long _received;
    private long _deadlineTicks;
    private Stopwatch _clock = new();
    private IActorRef _requester = ActorRefs.Nobody;

    public RoundTripDriver(IActorRef target, int entityCount)
    {
        _target = target;
        _entityCount = entityCount;
        _entityIds = Enumerable.Range(0, entityCount).Select(i => $"echo-{i}").ToArray();
        Receive<Run>(Start);
        Receive<EchoReply>(_ => OnReply());
    }

    public static Props Props(IActorRef target, int entityCount) =>
        Akka.Actor.Props.Create(() => new RoundTripDriver(target, entityCount));

    private void Start(Run run)
    {
        _requester = Sender;
        _sent = _received = 0;
        _clock = Stopwatch.StartNew();
        _deadlineTicks = (long)(run.Duration.TotalSeconds * Stopwatch.Frequency);
        for (var i = 0; i < WindowSize; i++) SendNext();
    }

    private void OnReply()
    {
        _received++;
        if (_clock.ElapsedTicks < _deadlineTicks) SendNext();
        else if (_received == _sent) _requester.Tell(new Completed(_received, _clock.Elapsed));
    }

    private void SendNext()
    {
        var sequence = _sent++;
        _target.Tell(new Echo(_entityIds[sequence % _entityCount], sequence));
    }
}
