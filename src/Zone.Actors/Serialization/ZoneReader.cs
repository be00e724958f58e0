using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Runtime.Serialization;
using System.Text;
using Zone.Actors.Money;

namespace Zone.Actors.Serialization;

/// <summary>Reads what <see cref="ZoneWriter"/> wrote; a truncated or malformed payload raises <see cref="SerializationException"/>.</summary>
public sealed class ZoneReader
{
    /// <summary>Upper bound on any length prefix, so a corrupt payload cannot make us allocate gigabytes.</summary>
    public const int MaxLengthPrefix = 64 * 1024 * 1024;

    private readonly byte[] _data;
    private int _position;

    public ZoneReader(byte[] data) => _data = data;

    public bool AtEnd => _position == _data.Length;

    public byte ReadByte()
    {
        if (_position >= _data.Length) throw Truncated();
        return _data[_position++];
    }

    public bool ReadBool() => ReadByte() switch
    {
        0 => false,
        1 => true,
        var b => throw new SerializationException($"invalid boolean byte {b} at offset {_position - 1}"),
    };

    public ulong ReadVarULong()
    {
        ulong result = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            var b = ReadByte();
            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return result;
        }
        throw new SerializationException($"variable-length integer too long at offset {_position}");
    }

    public long ReadVarLong()
    {
        var raw = ReadVarULong();
        return (long)(raw >> 1) ^ -(long)(raw & 1);
    }

    public int ReadInt() => checked((int)ReadVarLong());

    public double ReadDouble()
    {
        var span = Take(8);
        return BinaryPrimitives.ReadDoubleLittleEndian(span);
    }

    public Opg ReadOpg() => new(ReadVarLong());

    public string ReadString() => Encoding.UTF8.GetString(Take(ReadLength()));

    public byte[] ReadBytes() => Take(ReadLength()).ToArray();

    public ImmutableArray<T> ReadList<T>(Func<ZoneReader, T> readItem)
    {
        var count = ReadLength();
        var builder = ImmutableArray.CreateBuilder<T>(count);
        for (var i = 0; i < count; i++) builder.Add(readItem(this));
        return builder.MoveToImmutable();
    }

    public T? ReadOptional<T>(Func<ZoneReader, T> readValue) where T : class => ReadBool() ? readValue(this) : null;

    private int ReadLength()
    {
        var length = ReadVarULong();
        if (length > MaxLengthPrefix || (long)length > _data.Length - _position)
            throw new SerializationException($"length {length} at offset {_position} exceeds the remaining {_data.Length - _position} bytes");
        return (int)length;
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        if (_data.Length - _position < count) throw Truncated();
        var span = _data.AsSpan(_position, count);
        _position += count;
        return span;
    }

    private SerializationException Truncated() => new($"payload truncated at offset {_position} of {_data.Length}");
}
