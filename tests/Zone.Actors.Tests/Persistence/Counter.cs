using Akka.Actor;
using Akka.Persistence;
using Zone.Actors.Serialization;
using Zone.Actors.Sharding;

namespace Zone.Actors.Tests.Persistence;

/// <summary>The smallest event-sourced sharded entity: proves persistence and sharding wiring end to end.</summary>
public interface ICounterMessage : IZoneMessage, IShardedMessage;

public sealed record AddToCounter(string EntityId, long Amount) : ICounterMessage;

public sealed record ReadCounter(string EntityId) : ICounterMessage;

public sealed record CounterValue(string EntityId, long Total, long Events) : ICounterMessage;

public sealed record CounterAdded(long Amount) : IZoneMessage;

public sealed class CounterCodecs : ICodecModule
{
    public void Register(CodecRegistry registry)
    {
        registry.Add<AddToCounter>("test.counter.add", (w, m) => { w.WriteString(m.EntityId); w.WriteVarLong(m.Amount); },
            r => new AddToCounter(r.ReadString(), r.ReadVarLong()));
        registry.Add<ReadCounter>("test.counter.read", (w, m) => w.WriteString(m.EntityId), r => new ReadCounter(r.ReadString()));
        registry.Add<CounterValue>("test.counter.value", (w, m) => { w.WriteString(m.EntityId); w.WriteVarLong(m.Total); w.WriteVarLong(m.Events); },
            r => new CounterValue(r.ReadString(), r.ReadVarLong(), r.ReadVarLong()));
        registry.Add<CounterAdded>("test.counter.added", (w, m) => w.WriteVarLong(m.Amount), r => new CounterAdded(r.ReadVarLong()));
    }
}

public sealed class CounterEntity : ReceivePersistentActor
{
    private readonly string _entityId;
    private long _total;
    private long _events;

    public CounterEntity(string entityId)
    {
        _entityId = entityId;
        Recover<CounterAdded>(Apply);
        Command<AddToCounter>(add => Persist(new CounterAdded(add.Amount), added =>
        {
            Apply(added);
            Sender.Tell(Value());
        }));
        Command<ReadCounter>(_ => Sender.Tell(Value()));
    }

    public override string PersistenceId => $"counter-{_entityId}";

    public static Props Props(string entityId) => Akka.Actor.Props.Create(() => new CounterEntity(entityId));

    private void Apply(CounterAdded added)
    {
        _total += added.Amount;
        _events++;
    }

    private CounterValue Value() => new(_entityId, _total, _events);
}
