using System.Collections.Generic;
using Ukvm.Elf;

namespace Ukvm.Arch;

/// <summary>
/// What the guest may do with each 4 KiB page of the image's region, from its ELF segments
/// (pure, shared by both architectures' page tables): text is read-only and executable, rodata
/// read-only, data writable and never executable; pages no segment touches (bss gaps, heap) are
/// writable data. A page two segments share gets the union of their rights.
/// </summary>
internal readonly struct PagePermissions
{
    private readonly IReadOnlyList<ElfSegment> _segments;

    public PagePermissions(IReadOnlyList<ElfSegment> segments) => _segments = segments;

    /// <summary>The end of the highest segment (0 when there are none).</summary>
    public ulong ImageEnd
    {
        get
        {
            ulong end = 0;
            foreach (var s in _segments) if (s.End > end) end = s.End;
            return end;
        }
    }

    /// <summary>Rights of the page at <paramref name="page"/> (4 KiB aligned), for a page at or above the image base.</summary>
    public (bool Write, bool Exec) Of(ulong page)
    {
        bool inSegment = false, write = false, exec = false;
        foreach (var s in _segments)
        {
            if (s.Address < page + 0x1000 && page < s.End)
            {
                inSegment = true;
                write |= s.Writable;
                exec |= s.Executable;
            }
        }
        return inSegment ? (write, exec) : (true, false);
    }
}
