using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Text;
using Zone.Actors.Money;

namespace Zone.Actors.Serialization;

/// <summary>
/// Compact binary writer for Zone's codecs: variable-length integers (zig-zag for signed), length-prefixed
/// UTF-8 strings and byte arrays. The format is little-endian and independent of the CLR.
/// </summary>
public sealed class ZoneWriter
{
    private byte[] _buffer;
    private int _length;

    public ZoneWriter(int initialCapacity = 128) => _buffer = new byte[initialCapacity];

    public int Length => _length;

    public int Capacity => _buffer.Length;

    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

    public byte[] ToArray() => Written.ToArray();

    public void Reset() => _length = 0;

    public void WriteByte(byte value)
    {
        Ensure(1);
        _buffer[_length++] = value;
    }

    public void WriteBool(bool value) => WriteByte(value ? (byte)1 : (byte)0);

    public void WriteVarULong(ulong value)
    {
        Ensure(10);
        while (value >= 0x80)
        {
            _buffer[_length++] = (byte)(value | 0x80);
            value >>= 7;
        }
        _buffer[_length++] = (byte)value;
    }

    public void WriteVarLong(long value) => WriteVarULong((ulong)((value << 1) ^ (value >> 63)));

    public void WriteInt(int value) => WriteVarLong(value);

    public void WriteDouble(double value)
    {
        Ensure(8);
        BinaryPrimitives.WriteDoubleLittleEndian(_buffer.AsSpan(_length), value);
        _length += 8;
    }

    public void WriteOpg(Opg amount) => WriteVarLong(amount.Nano);

    public void WriteString(string value)
    {
        // Ids are ASCII: one pass that copies them (their UTF-8 is the same bytes) instead of counting, then transcoding.
        var start = _length;
        WriteVarULong((ulong)value.Length);
        Ensure(value.Length);
        if (Ascii.FromUtf16(value, _buffer.AsSpan(_length), out var written) == OperationStatus.Done)
        {
            _length += written;
            return;
        }
        _length = start;
        var byteCount = Encoding.UTF8.GetByteCount(value);
        WriteVarULong((ulong)byteCount);
        Ensure(byteCount);
        _length += Encoding.UTF8.GetBytes(value, _buffer.AsSpan(_length));
    }

    public void WriteBytes(ReadOnlySpan<byte> value)
    {
        WriteVarULong((ulong)value.Length);
        Ensure(value.Length);
        value.CopyTo(_buffer.AsSpan(_length));
        _length += value.Length;
    }

    public void WriteList<T>(IReadOnlyCollection<T> items, Action<ZoneWriter, T> writeItem)
    {
        WriteVarULong((ulong)items.Count);
        foreach (var item in items) writeItem(this, item);
    }

    public void WriteList<T>(ImmutableArray<T> items, Action<ZoneWriter, T> writeItem)
    {
        WriteVarULong((ulong)items.Length);
        foreach (var item in items) writeItem(this, item);
    }

    public void WriteOptional<T>(T? value, Action<ZoneWriter, T> writeValue) where T : class
    {
        WriteBool(value is not null);
        if (value is not null) writeValue(this, value);
    }

    private void Ensure(int extra)
    {
        if (_length + extra <= _buffer.Length) return;
        Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + extra));
    }
}
