using Akka.Actor;

namespace Zone.Actors.Diagnostics;

/// <summary>Answers every <see cref="Echo"/> with an <see cref="EchoReply"/>; as a sharded entity or a plain actor.</summary>
public sealed class EchoEntity : ReceiveActor
{
    public EchoEntity()
    {
        Receive<Echo>(echo => Sender.Tell(new EchoReply(echo.EntityId, echo.Sequence)));
    }

    public static Props Props() => Akka.Actor.Props.Create<EchoEntity>();

    public static Props Props(string entityId) => Props();
}
