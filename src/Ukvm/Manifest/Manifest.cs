using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using Ukvm.Core;

namespace Ukvm.Manifest;

/// <summary>Manifest device types (Solo5 mft_abi.h, enum mft_type).</summary>
internal enum DeviceType : uint
{
    BlockBasic = 1,
    NetBasic = 2,
    ReservedFirst = 1u << 30,
}

/// <summary>One manifest entry and what the monitor attaches to it.</summary>
internal sealed class ManifestEntry
{
    public required string Name { get; init; }
    public required DeviceType Type { get; init; }
    public int Index { get; init; }

    /// <summary>Set by the module that attached a host resource to this device.</summary>
    public bool Attached { get; set; }
    /// <summary>Block devices: capacity in bytes and block size.</summary>
    public ulong Capacity { get; set; }
    public ushort BlockSize { get; set; }
    /// <summary>Network devices: MAC address and MTU.</summary>
    public byte[] Mac { get; set; } = new byte[6];
    public ushort Mtu { get; set; }

    public string TypeName => Type switch
    {
        DeviceType.BlockBasic => "BLOCK_BASIC",
        DeviceType.NetBasic => "NET_BASIC",
        _ => "RESERVED",
    };
}

/// <summary>
/// The application manifest (Solo5 MFT1, version 1) parsed from a hostile image: version,
/// 1-64 entries, the reserved first entry, names of 1-67 alphanumeric characters, unique,
/// known types. The single source of truth for which devices may be attached.
/// </summary>
internal sealed class AppManifest
{
    public const uint Version = 1;
    public const int MaxEntries = 64, NameSize = 68, MaxNameLength = 67;
    public const int HeaderSize = 8, EntrySize = 104;
    // Offsets inside struct mft_entry (x86_64 and AArch64 layouts agree).
    private const int TypeOffset = 68, UnionOffset = 72, BackingOffset = 88, AttachedOffset = 96;

    public IReadOnlyList<ManifestEntry> Entries { get; }

    private AppManifest(List<ManifestEntry> entries) => Entries = entries;

    /// <summary>Bytes the manifest takes in guest memory.</summary>
    public int Size => HeaderSize + Entries.Count * EntrySize;

    /// <summary>Devices (every entry but the reserved first one).</summary>
    public IEnumerable<ManifestEntry> Devices
    {
        get { for (int i = 1; i < Entries.Count; i++) yield return Entries[i]; }
    }

    /// <summary>The device named <paramref name="name"/>, or null.</summary>
    public ManifestEntry? Find(string name)
    {
        foreach (var e in Devices)
            if (e.Name == name) return e;
        return null;
    }

    public static AppManifest Parse(ReadOnlySpan<byte> note)
    {
        if (note.Length < HeaderSize) throw Bad("shorter than its header");
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(note);
        uint count = BinaryPrimitives.ReadUInt32LittleEndian(note[4..]);
        if (version != Version) throw Bad($"version {version}, this monitor implements {Version}");
        if (count == 0 || count > MaxEntries) throw Bad($"{count} entries (1 to {MaxEntries} allowed)");
        if ((ulong)note.Length != HeaderSize + (ulong)count * EntrySize)
            throw Bad($"{note.Length} bytes do not hold {count} entries");
        var entries = new List<ManifestEntry>((int)count);
        for (int i = 0; i < count; i++)
        {
            var e = note.Slice(HeaderSize + i * EntrySize, EntrySize);
            var rawName = e[..NameSize];
            int len = rawName.IndexOf((byte)0);
            if (len < 0) throw Bad($"entry {i}: name is not terminated");
            uint type = BinaryPrimitives.ReadUInt32LittleEndian(e[TypeOffset..]);
            string name = System.Text.Encoding.ASCII.GetString(rawName[..len]);
            if (i == 0)
            {
                if (type != (uint)DeviceType.ReservedFirst || len != 0)
                    throw Bad("the first entry is not the reserved entry");
            }
            else
            {
                if (type != (uint)DeviceType.BlockBasic && type != (uint)DeviceType.NetBasic)
                    throw Bad($"entry {i}: unknown device type {type}");
                if (!IsValidName(rawName[..len]))
                    throw Bad($"entry {i}: device name must be 1 to {MaxNameLength} letters and digits");
                // At most 63 names: a linear scan, and no randomized string hashing (which would
                // read /dev/urandom on the boot path).
                if (entries.Exists(other => other.Name == name)) throw Bad($"device name '{name}' appears twice");
            }
            entries.Add(new ManifestEntry { Name = name, Type = (DeviceType)type, Index = i });
        }
        return new AppManifest(entries);
    }

    /// <summary>True for 1-67 ASCII letters and digits (Solo5's rule for device names).</summary>
    public static bool IsValidName(ReadOnlySpan<byte> name)
    {
        if (name.Length is 0 or > MaxNameLength) return false;
        foreach (byte c in name)
            if (!(c is >= (byte)'a' and <= (byte)'z' || c is >= (byte)'A' and <= (byte)'Z' || c is >= (byte)'0' and <= (byte)'9'))
                return false;
        return true;
    }

    public static bool IsValidName(string name)
    {
        if (name.Length is 0 or > MaxNameLength) return false;
        foreach (char c in name)
            if (!char.IsAsciiLetterOrDigit(c)) return false;
        return true;
    }

    /// <summary>
    /// Writes the manifest as the guest sees it: names and types from the image, device
    /// properties and attached flags from the monitor, the host-private backing field zeroed.
    /// </summary>
    public void WriteGuestCopy(Span<byte> dest)
    {
        dest[..Size].Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(dest, Version);
        BinaryPrimitives.WriteUInt32LittleEndian(dest[4..], (uint)Entries.Count);
        foreach (var entry in Entries)
        {
            var e = dest.Slice(HeaderSize + entry.Index * EntrySize, EntrySize);
            System.Text.Encoding.ASCII.GetBytes(entry.Name, e[..NameSize]);
            BinaryPrimitives.WriteUInt32LittleEndian(e[TypeOffset..], (uint)entry.Type);
            var u = e[UnionOffset..BackingOffset];
            if (entry.Type == DeviceType.BlockBasic)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(u, entry.Capacity);
                BinaryPrimitives.WriteUInt16LittleEndian(u[8..], entry.BlockSize);
            }
            else if (entry.Type == DeviceType.NetBasic)
            {
                entry.Mac.CopyTo(u);
                BinaryPrimitives.WriteUInt16LittleEndian(u[6..], entry.Mtu);
            }
            e[AttachedOffset] = entry.Attached ? (byte)1 : (byte)0;
        }
    }

    private static MonitorException Bad(string why) => new($"invalid unikernel image: Solo5 manifest {why}");
}
