namespace Zone.Actors.Serialization;

/// <summary>
/// Registers the codecs of one domain (ledger, settlement, ...). Implementations are discovered by reflection in
/// Zone's assemblies, so a domain adds its messages without touching the serializer.
/// Manifests are part of the journal format: never rename or reuse one.
/// </summary>
public interface ICodecModule
{
    void Register(CodecRegistry registry);
}
