using System;
using Ukvm.Core;

namespace Ukvm.Elf;

/// <summary>Places a validated image's segments into guest memory and applies their protections.</summary>
internal static class ElfLoader
{
    /// <summary>
    /// Copies each PT_LOAD segment to its address (at or above <paramref name="minBase"/>, inside
    /// guest memory), leaves the rest of its memory size zero (fresh guest memory is zero), makes
    /// the pages of non-writable segments read-only to the guest, and returns the page-aligned end
    /// of the image (boot info's kernel_end).
    /// </summary>
    public static ulong Load(ElfImage image, ReadOnlySpan<byte> file, GuestMemory memory, ulong minBase)
    {
        ulong end = 0;
        foreach (var s in image.Segments)
        {
            if (s.Address < minBase)
                throw new MonitorException(
                    $"invalid unikernel image: segment at 0x{s.Address:x} is below the lowest load address 0x{minBase:x}");
            if (!memory.Contains(s.Address, s.MemSize))
                throw new MonitorException(
                    $"invalid unikernel image: segment 0x{s.Address:x}-0x{s.End:x} does not fit in guest memory " +
                    $"({memory.Size >> 20} MB): use a larger --mem");
            file.Slice((int)s.FileOffset, (int)s.FileSize).CopyTo(memory.Bytes(s.Address, s.FileSize));
            end = Math.Max(end, s.End);
        }
        ulong kernelEnd = AlignUp(end);
        if (kernelEnd > memory.Size)
            throw new MonitorException("invalid unikernel image: image ends past guest memory");
        foreach (var (start, length) in ReadOnlyPages(image))
            memory.MarkReadOnly(start, length, forGuest: true);
        return kernelEnd;
    }

    /// <summary>
    /// Page ranges to map read-only: those of segments without write permission, except pages a
    /// writable segment also touches (a shared page keeps the union of the two protections).
    /// </summary>
    public static System.Collections.Generic.List<(ulong Start, ulong Length)> ReadOnlyPages(ElfImage image)
    {
        var result = new System.Collections.Generic.List<(ulong, ulong)>();
        foreach (var s in image.Segments)
        {
            if (s.Writable) continue;
            ulong start = AlignDown(s.Address), stop = AlignUp(s.End);
            foreach (var w in image.Segments)
            {
                if (!w.Writable) continue;
                ulong ws = AlignDown(w.Address), we = AlignUp(w.End);
                if (ws < stop && start < we)
                {
                    if (ws <= start) start = Math.Min(stop, we);
                    if (we >= stop) stop = Math.Max(start, ws);
                }
            }
            if (stop > start) result.Add((start, stop - start));
        }
        return result;
    }

    private static ulong AlignUp(ulong v) => (v + GuestMemory.PageSize - 1) & ~(GuestMemory.PageSize - 1);
    private static ulong AlignDown(ulong v) => v & ~(GuestMemory.PageSize - 1);
}
