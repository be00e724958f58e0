namespace Zone.Actors.Serialization;

/// <summary>
/// Root marker for everything Zone persists or sends between nodes. Zone's serializer is bound to it,
/// so a type carrying this marker must have a codec registered by some <see cref="ICodecModule"/>.
/// </summary>
public interface IZoneMessage;
