using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using Ukvm.Interop;

namespace Ukvm.Core;

/// <summary>
/// The guest's RAM: one anonymous host mapping, guest physical address 0 at its start.
/// Every access by guest physical address goes through <see cref="Bytes"/> or
/// <see cref="WritableBytes"/>, the one overflow-safe range check of the monitor
/// (the role of Solo5's HVT_CHECKED_GPA_P). Pages that the monitor made read-only on the host
/// (ELF text and rodata, the low reserved area) are refused for writes, so a hypercall cannot
/// make the monitor write there and fault.
/// </summary>
internal sealed unsafe class GuestMemory : IDisposable
{
    public const ulong PageSize = 4096;

    private byte* _base;
    private readonly List<(ulong Start, ulong End)> _readOnly = new();

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
        foreach (var (start, end) in _readOnly)
        {
            if (length != 0 && gpa < end && start < gpa + length)
                throw new GuestFaultException(
                    $"{what}: address 0x{gpa:x}, length {length} overlaps read-only guest memory at 0x{start:x}");
        }
        return span;
    }

    public ulong ReadU64(ulong gpa, string what) => BinaryPrimitives.ReadUInt64LittleEndian(Bytes(gpa, 8, what));

    public uint ReadU32(ulong gpa, string what) => BinaryPrimitives.ReadUInt32LittleEndian(Bytes(gpa, 4, what));

    public void WriteU64(ulong gpa, ulong value, string what) =>
        BinaryPrimitives.WriteUInt64LittleEndian(WritableBytes(gpa, 8, what), value);

    public void WriteI32(ulong gpa, int value, string what) =>
        BinaryPrimitives.WriteInt32LittleEndian(WritableBytes(gpa, 4, what), value);

    /// <summary>
    /// Makes whole pages [gpa, gpa + length) read-only on the host (and so to the guest, which
    /// then gets a translation fault on a write) and remembers them as read-only for the monitor.
    /// </summary>
    public void ProtectReadOnly(ulong gpa, ulong length)
    {
        if (gpa % PageSize != 0 || length % PageSize != 0 || !Contains(gpa, length))
            throw new ArgumentOutOfRangeException(nameof(gpa));
        if (length == 0)
            return;
        if (Libc.mprotect(_base + gpa, (nuint)length, Libc.PROT_READ) != 0)
            throw MonitorException.FromErrno("mprotect of guest memory", Libc.Errno);
        _readOnly.Add((gpa, gpa + length));
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
