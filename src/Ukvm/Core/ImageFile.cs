using System;
using Ukvm.Interop;

namespace Ukvm.Core;

/// <summary>
/// A unikernel image read into an anonymous mapping that is unmapped once the image is loaded:
/// no copy of the image stays on the monitor's heap as private dirty memory for its whole life.
/// (Not a mapping of the file itself: a file truncated under the monitor would raise SIGBUS.)
/// </summary>
internal sealed unsafe class ImageFile : IDisposable
{
    /// <summary>Largest image mapped (guest memory is at most 1 GiB anyway).</summary>
    public const long MaxBytes = 1L << 30;

    private byte* _data;
    private readonly int _length;

    private ImageFile(byte* data, int length)
    {
        _data = data;
        _length = length;
    }

    /// <summary>The file's bytes. SAFETY: the mapping holds exactly _length bytes until Dispose.</summary>
    public ReadOnlySpan<byte> Bytes => _length == 0 ? ReadOnlySpan<byte>.Empty : new(_data, _length);

    public static ImageFile Open(string path)
    {
        if (System.IO.Directory.Exists(path))
            throw new MonitorException($"cannot read unikernel '{path}': Is a directory");
        // O_NONBLOCK: a FIFO given as the kernel must not block the monitor forever.
        int fd = Libc.open(path, Libc.O_RDONLY | Libc.O_NONBLOCK | Libc.O_CLOEXEC, 0);
        if (fd < 0)
            throw new MonitorException($"cannot read unikernel '{path}': {Libc.StrError(Libc.Errno)}");
        using var handle = new FdHandle(fd);
        long length = Libc.lseek(handle, 0, Libc.SEEK_END);
        if (length < 0)
            throw new MonitorException($"cannot read unikernel '{path}': not a regular file");
        if (length > MaxBytes)
            throw new MonitorException($"{path}: image of {length} bytes is larger than the 1 GiB limit");
        if (length == 0)
            return new ImageFile(null, 0);
        void* p = Libc.mmap(null, (nuint)length, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS, -1, 0);
        if (p == (void*)-1)
            throw MonitorException.FromErrno($"cannot read unikernel '{path}': mmap", Libc.Errno);
        var image = new ImageFile((byte*)p, (int)length);
        long done = 0;
        while (done < length)
        {
            nint n = Libc.pread(handle, (byte*)p + done, (nuint)(length - done), done);
            if (n < 0 && Libc.Errno == Libc.EINTR) continue;
            if (n <= 0)
            {
                image.Dispose();
                throw new MonitorException(n == 0
                    ? $"cannot read unikernel '{path}': the file shrank while being read"
                    : $"cannot read unikernel '{path}': {Libc.StrError(Libc.Errno)}");
            }
            done += n;
        }
        return image;
    }

    /// <summary>Unmaps the copy; safe to call twice (the monitor drops it as soon as the image is loaded).</summary>
    public void Dispose()
    {
        if (_data != null)
        {
            Libc.munmap(_data, (nuint)_length);
            _data = null;
        }
    }
}
