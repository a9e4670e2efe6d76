using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Text;
using Ukvm.Abi;
using Ukvm.Arch;
using Ukvm.Core;
using Ukvm.Manifest;

namespace Ukvm.Vmm;

/// <summary>Writes struct hvt_boot_info, the manifest copy and the command line into low memory.</summary>
internal static class BootInfo
{
    /// <summary>The guest command line: arguments joined by spaces, as solo5-hvt does.</summary>
    public static byte[] Cmdline(IReadOnlyList<string> args) => Cmdline(Cli.RawArgs.Utf8(args));

    /// <summary>The guest command line from the arguments' bytes, verbatim.</summary>
    public static byte[] Cmdline(IReadOnlyList<byte[]> args)
    {
        var joined = new List<byte>();
        for (int i = 0; i < args.Count; i++)
        {
            if (i > 0) joined.Add((byte)' ');
            joined.AddRange(args[i]);
        }
        byte[] bytes = joined.ToArray();
        if (bytes.Length > HvtAbi.CmdlineSize - 1)
            throw new MonitorException($"guest command line too long ({bytes.Length} bytes, at most {HvtAbi.CmdlineSize - 1})");
        if (Array.IndexOf(bytes, (byte)0) >= 0)
            throw new MonitorException("guest command line contains a NUL character");
        return bytes;
    }

    /// <param name="hostFeatures">host_features bits offered by modules, beyond the architecture's own.</param>
    /// <param name="netRing">net_ring: the network ring's guest physical address, 0 if none.</param>
    public static void Write(GuestMemory memory, IArchBackend arch, ulong kernelEnd, ulong cpuCycleFreq,
        AppManifest manifest, byte[] cmdline, uint hostFeatures = 0, ulong netRing = 0)
    {
        var bi = memory.Bytes(arch.BootInfoAddress, HvtAbi.BootInfoSize, "boot info");
        bi.Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(bi[HvtAbi.BootMemSize..], memory.Size);
        BinaryPrimitives.WriteUInt64LittleEndian(bi[HvtAbi.BootKernelEnd..], kernelEnd);
        BinaryPrimitives.WriteUInt64LittleEndian(bi[HvtAbi.BootCpuCycleFreq..], cpuCycleFreq);
        BinaryPrimitives.WriteUInt64LittleEndian(bi[HvtAbi.BootCmdline..], arch.CmdlineAddress);
        BinaryPrimitives.WriteUInt64LittleEndian(bi[HvtAbi.BootMft..], arch.ManifestAddress);
        BinaryPrimitives.WriteUInt32LittleEndian(bi[HvtAbi.BootHostFeatures..], arch.HostFeatures | hostFeatures);
        BinaryPrimitives.WriteUInt64LittleEndian(bi[HvtAbi.BootNetRing..], netRing);
        manifest.WriteGuestCopy(memory.Bytes(arch.ManifestAddress, (ulong)manifest.Size, "manifest"));
        var line = memory.Bytes(arch.CmdlineAddress, HvtAbi.CmdlineSize, "command line");
        line.Clear();
        cmdline.CopyTo(line);
    }
}
