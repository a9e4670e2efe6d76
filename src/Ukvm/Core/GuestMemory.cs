using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using Ukvm.Interop;

namespace Ukvm.Core;

/// <summary>
/// The guest's RAM: one anonymous host mapping, guest physical address 0 at its start.
/// Every access by guest physical address goes through <see cref="Bytes"/> or
/// <see cref="WritableBytes"/>, the one overflow-safe range check of the monitor
/// (the role of Solo5's HVT_CHECKED_GPA_P). Read-only pages (ELF text and rodata, the low
/// reserved area) are refused for writes, so a hypercall cannot make the monitor write there.
/// </summary>
internal sealed unsafe class GuestMemory : IDisposable
{
    public const ulong PageSize = 4096;

    private byte* _base;
    private readonly List<(ulong Start, ulong End)> _readOnly = new();
    private readonly List<(ulong Start, ulong End)> _guestReadOnly = new();

    public ulong Size { get; }

    /// <summary>Host virtual address of guest physical address 0 (for KVM's memory slot).</summary>
    public nint HostAddress => (nint)_base;

    private GuestMemory(byte* mem, ulong size)
    {
        _base = mem;
        Size = size;
    }

    /// <summary>
    /// Maps <paramref name="size"/> bytes of zeroed, private memory. MAP_NORESERVE and no touching:
    /// pages cost host memory only once the guest (or the loader) uses them.
    /// </summary>
    public static GuestMemory Allocate(ulong size)
    {
        if (size == 0 || size % PageSize != 0)
            throw new ArgumentOutOfRangeException(nameof(size));
        void* p = Libc.mmap(null, (nuint)size, Libc.PROT_READ | Libc.PROT_WRITE,
            Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS | Libc.MAP_NORESERVE, -1, 0);
        if (p == (void*)-1)
            throw MonitorException.FromErrno($"cannot allocate {size >> 20} MB of guest memory: mmap", Libc.Errno);
        return new GuestMemory((byte*)p, size);
    }

    /// <summary>True when [gpa, gpa + length) lies inside guest memory (overflow-safe).</summary>
    public bool Contains(ulong gpa, ulong length) => length <= Size && gpa <= Size - length;

    /// <summary>The guest bytes at [gpa, gpa + length), or a guest fault naming <paramref name="what"/>.</summary>
    public Span<byte> Bytes(ulong gpa, ulong length, string what = "guest memory access")
    {
        if (!Contains(gpa, length) || length > int.MaxValue)
            throw new GuestFaultException(
                $"{what}: address 0x{gpa:x}, length {length} is outside guest memory (size 0x{Size:x})");
        // SAFETY: [gpa, gpa+length) was just checked to lie inside the Size-byte mapping at _base.
        return new Span<byte>(_base + gpa, (int)length);
    }

    /// <summary>As <see cref="Bytes"/>, for memory the monitor will write: read-only pages are refused.</summary>
    public Span<byte> WritableBytes(ulong gpa, ulong length, string what = "guest memory write")
    {
        var span = Bytes(gpa, length, what);
        if (!IsWritable(gpa, length))
            throw new GuestFaultException(
                $"{what}: address 0x{gpa:x}, length {length} overlaps read-only guest memory");
        return span;
    }

    /// <summary>True when [gpa, gpa + length) is inside guest memory and touches no read-only page.</summary>
    public bool IsWritable(ulong gpa, ulong length)
    {
        if (!Contains(gpa, length)) return false;
        foreach (var (start, end) in _readOnly)
            if (length != 0 && gpa < end && start < gpa + length)
                return false;
        return true;
    }

    public ulong ReadU64(ulong gpa, string what) => BinaryPrimitives.ReadUInt64LittleEndian(Bytes(gpa, 8, what));

    public uint ReadU32(ulong gpa, string what) => BinaryPrimitives.ReadUInt32LittleEndian(Bytes(gpa, 4, what));

    public void WriteU64(ulong gpa, ulong value, string what) =>
        BinaryPrimitives.WriteUInt64LittleEndian(WritableBytes(gpa, 8, what), value);

    public void WriteI32(ulong gpa, int value, string what) =>
        BinaryPrimitives.WriteInt32LittleEndian(WritableBytes(gpa, 4, what), value);

    /// <summary>
    /// Marks whole pages [gpa, gpa + length) read-only: the monitor refuses to write there on a
    /// guest's behalf, and when <paramref name="forGuest"/> is set the pages are also given to
    /// KVM as a read-only memory slot (see <see cref="Slots"/>), so a guest write to them exits
    /// to the monitor instead of landing. (Read-only slots, not mprotect: under PVM a guest cannot
    /// execute from pages the host maps read-only.)
    /// </summary>
    public void MarkReadOnly(ulong gpa, ulong length, bool forGuest)
    {
        if (gpa % PageSize != 0 || length % PageSize != 0 || !Contains(gpa, length))
            throw new ArgumentOutOfRangeException(nameof(gpa));
        if (length == 0)
            return;
        _readOnly.Add((gpa, gpa + length));
        if (forGuest)
            _guestReadOnly.Add((gpa, gpa + length));
    }

    /// <summary>
    /// The memory slots that cover guest memory: alternating read-write and read-only ranges
    /// (guest physical start, length, read-only), in address order.
    /// </summary>
    public List<(ulong Start, ulong Length, bool ReadOnly)> Slots()
    {
        var ro = new List<(ulong Start, ulong End)>(_guestReadOnly);
        ro.Sort((a, b) => a.Start.CompareTo(b.Start));
        var slots = new List<(ulong, ulong, bool)>();
        ulong pos = 0;
        foreach (var (start, end) in ro)
        {
            ulong s = Math.Max(start, pos);
            if (end <= s) continue;
            if (s > pos) slots.Add((pos, s - pos, false));
            // Adjacent read-only ranges (text, then rodata) share one slot: each slot costs an ioctl.
            if (s == pos && slots.Count > 0 && slots[^1].Item3)
                slots[^1] = (slots[^1].Item1, end - slots[^1].Item1, true);
            else
                slots.Add((s, end - s, true));
            pos = end;
        }
        if (pos < Size) slots.Add((pos, Size - pos, false));
        return slots;
    }

    public void Dispose()
    {
        if (_base != null)
        {
            Libc.munmap(_base, (nuint)Size);
            _base = null;
        }
    }
}
