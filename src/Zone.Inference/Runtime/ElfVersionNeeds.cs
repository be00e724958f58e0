using System.Buffers.Binary;
using System.Text;

namespace Zone.Inference.Runtime;

/// <summary>
/// Reads and edits the symbol-version requirements (<c>.gnu.version_r</c>) of a 64-bit little-endian ELF
/// shared library. Only what the TorchSharp fix needs: find a required version by name and mark it weak,
/// so the dynamic loader accepts a system library that lacks it.
/// </summary>
internal static class ElfVersionNeeds
{
    private const uint SectionTypeVersionNeeds = 0x6ffffffe; // SHT_GNU_verneed
    private const ushort VersionFlagWeak = 0x2;              // VER_FLG_WEAK
    private const int MaxVersionNeedEntries = 4096;          // bound on a corrupt file's linked lists

    public sealed record RequiredVersion(string Library, string Version, bool IsWeak, long FlagsOffset);

    public static IReadOnlyList<RequiredVersion> Read(byte[] elf)
    {
        RequireElf64LittleEndian(elf);
        var sectionHeadersOffset = checked((int)ReadUInt64(elf, 0x28));
        var sectionHeaderSize = ReadUInt16(elf, 0x3A);
        var sectionCount = ReadUInt16(elf, 0x3C);
        var found = new List<RequiredVersion>();
        for (var section = 0; section < sectionCount; section++)
        {
            var header = sectionHeadersOffset + section * sectionHeaderSize;
            if (ReadUInt32(elf, header + 4) != SectionTypeVersionNeeds) continue;
            var start = checked((int)ReadUInt64(elf, header + 0x18));
            var stringTableIndex = (int)ReadUInt32(elf, header + 0x28);
            var needCount = (int)ReadUInt32(elf, header + 0x2C);
            var stringTableOffset = checked((int)ReadUInt64(elf, sectionHeadersOffset + stringTableIndex * sectionHeaderSize + 0x18));
            ReadNeeds(elf, start, Math.Min(needCount, MaxVersionNeedEntries), stringTableOffset, found);
        }
        return found;
    }

    /// <summary>Sets VER_FLG_WEAK on every requirement of <paramref name="version"/>; returns how many entries changed.</summary>
    public static int MarkWeak(byte[] elf, string version)
    {
        var changed = 0;
        foreach (var need in Read(elf).Where(n => n.Version == version && !n.IsWeak))
        {
            var offset = (int)need.FlagsOffset;
            BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(offset), (ushort)(ReadUInt16(elf, offset) | VersionFlagWeak));
            changed++;
        }
        return changed;
    }

    private static void ReadNeeds(byte[] elf, int offset, int needCount, int stringTableOffset, List<RequiredVersion> found)
    {
        for (var need = 0; need < needCount; need++)
        {
            var library = ReadString(elf, stringTableOffset + (int)ReadUInt32(elf, offset + 4));
            var auxCount = Math.Min((int)ReadUInt16(elf, offset + 2), MaxVersionNeedEntries);
            var aux = offset + (int)ReadUInt32(elf, offset + 8);
            for (var i = 0; i < auxCount; i++)
            {
                var flags = ReadUInt16(elf, aux + 4);
                var name = ReadString(elf, stringTableOffset + (int)ReadUInt32(elf, aux + 8));
                found.Add(new RequiredVersion(library, name, (flags & VersionFlagWeak) != 0, aux + 4));
                var nextAux = (int)ReadUInt32(elf, aux + 12);
                if (nextAux == 0) break;
                aux += nextAux;
            }
            var next = (int)ReadUInt32(elf, offset + 12);
            if (next == 0) break;
            offset += next;
        }
    }

    private static void RequireElf64LittleEndian(byte[] elf)
    {
        if (elf.Length < 0x40 || elf[0] != 0x7F || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            throw new InvalidDataException("not an ELF file");
        if (elf[4] != 2 || elf[5] != 1)
            throw new InvalidDataException("not a 64-bit little-endian ELF file");
    }

    private static string ReadString(byte[] elf, int offset)
    {
        var end = Array.IndexOf(elf, (byte)0, Check(elf, offset, 1));
        if (end < 0) throw new InvalidDataException("unterminated string in ELF string table");
        return Encoding.ASCII.GetString(elf, offset, end - offset);
    }

    private static ushort ReadUInt16(byte[] elf, int offset) => BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(Check(elf, offset, 2)));
    private static uint ReadUInt32(byte[] elf, int offset) => BinaryPrimitives.ReadUInt32LittleEndian(elf.AsSpan(Check(elf, offset, 4)));
    private static ulong ReadUInt64(byte[] elf, int offset) => BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan(Check(elf, offset, 8)));

    private static int Check(byte[] elf, int offset, int length) =>
        offset >= 0 && offset + length <= elf.Length ? offset : throw new InvalidDataException($"ELF structure points outside the file (offset {offset})");
}
