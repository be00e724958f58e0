using Zone.Actors.Serialization;
using Zone.Actors.Sharding;

namespace Zone.Actors.Diagnostics;

/// <summary>Round-trip probe for the messaging path (sharding, remoting, serialization) used by `zone bench messaging`.</summary>
public interface IEchoMessage : IZoneMessage, IShardedMessage;

public sealed record Echo(string EntityId, long Sequence) : IEchoMessage;

public sealed record EchoReply(string EntityId, long Sequence) : IEchoMessage;

public sealed class EchoCodecs : ICodecModule
{
    public void Register(CodecRegistry registry)
    {
        registry.Add<Echo>("diagnostics.echo.v1", (w, m) => { w.WriteString(m.EntityId); w.WriteVarLong(m.Sequence); },
            r => new Echo(r.ReadString(), r.ReadVarLong()));
        registry.Add<EchoReply>("diagnostics.echo-reply.v1", (w, m) => { w.WriteString(m.EntityId); w.WriteVarLong(m.Sequence); },
            r => new EchoReply(r.ReadString(), r.ReadVarLong()));
    }
}
