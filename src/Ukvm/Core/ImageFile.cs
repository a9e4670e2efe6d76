using System;
using Ukvm.Interop;

namespace Ukvm.Core;

/// <summary>
/// A unikernel image mapped read-only from its file. Parsing and loading read the mapping in
/// place: no copy of the image on the monitor's heap (which would stay as private dirty memory
/// for the monitor's whole life), only the copy into guest memory.
/// </summary>
internal sealed unsafe class ImageFile : IDisposable
{
    /// <summary>Largest image mapped (guest memory is at most 1 GiB anyway).</summary>
    public const long MaxBytes = 1L << 30;

    private readonly byte* _data;
    private readonly int _length;

    private ImageFile(byte* data, int length)
    {
        _data = data;
        _length = length;
    }

    /// <summary>
    /// The file's bytes. SAFETY: the mapping lives until Dispose and is never written. (A file
    /// truncated by another process while mapped would raise SIGBUS: images are the operator's
    /// files, hostile in content, not changed under the monitor.)
    /// </summary>
    public ReadOnlySpan<byte> Bytes => _length == 0 ? ReadOnlySpan<byte>.Empty : new(_data, _length);

    public static ImageFile Open(string path)
    {
        if (System.IO.Directory.Exists(path))
            throw new MonitorException($"cannot read unikernel '{path}': Is a directory");
        int fd = Libc.open(path, Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
        if (fd < 0)
            throw new MonitorException($"cannot read unikernel '{path}': {Libc.StrError(Libc.Errno)}");
        using var handle = new FdHandle(fd);
        long length = Libc.lseek(handle, 0, Libc.SEEK_END);
        if (length < 0)
            throw new MonitorException($"cannot read unikernel '{path}': {Libc.StrError(Libc.Errno)}");
        if (length > MaxBytes)
            throw new MonitorException($"{path}: image of {length} bytes is larger than the 1 GiB limit");
        if (length == 0)
            return new ImageFile(null, 0);
        void* p = Libc.mmap(null, (nuint)length, Libc.PROT_READ, Libc.MAP_PRIVATE, fd, 0);
        if (p == (void*)-1)
            throw new MonitorException($"cannot read unikernel '{path}': {Libc.StrError(Libc.Errno)}");
        return new ImageFile((byte*)p, (int)length);
    }

    public void Dispose()
    {
        if (_data != null)
            Libc.munmap(_data, (nuint)_length);
    }
}
