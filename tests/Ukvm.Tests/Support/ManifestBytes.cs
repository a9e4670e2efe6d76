using System.Buffers.Binary;
using System.Text;

namespace Ukvm.Tests.Support;

/// <summary>struct mft bytes (version, entries, 104-byte entries), with the reserved first entry or without.</summary>
internal static class ManifestBytes
{
    public const uint Block = 1, Net = 2, ReservedFirst = 1u << 30;
    public const int Header = 8, Entry = 104;

    /// <summary>A valid manifest: the reserved entry, then one entry per device.</summary>
    public static byte[] Build(params (string Name, uint Type)[] devices)
    {
        var entries = new List<(byte[] Name, uint Type)> { (Array.Empty<byte>(), ReservedFirst) };
        entries.AddRange(devices.Select(d => (Encoding.ASCII.GetBytes(d.Name), d.Type)));
        return Raw(1, (uint)entries.Count, entries.ToArray());
    }

    /// <summary>Any header and entries; names are copied into the 68-byte field as given (no NUL added if 68 long).</summary>
    public static byte[] Raw(uint version, uint count, params (byte[] Name, uint Type)[] entries)
    {
        var b = new byte[Header + entries.Length * Entry];
        BinaryPrimitives.WriteUInt32LittleEndian(b, version);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(4), count);
        for (int i = 0; i < entries.Length; i++)
        {
            var e = b.AsSpan(Header + i * Entry, Entry);
            entries[i].Name.CopyTo(e);
            BinaryPrimitives.WriteUInt32LittleEndian(e[68..], entries[i].Type);
        }
        return b;
    }
}
