using System;
using Ukvm.Core;
using Ukvm.Interop;

namespace Ukvm.Modules.Block;

/// <summary>One attached host file: its descriptor, capacity, block size.</summary>
internal sealed unsafe class BlockDevice
{
    private readonly FdHandle _fd;

    public int Fd => _fd.Fd;
    public ulong Capacity { get; }
    public int BlockSize { get; }
    public bool ReadOnly { get; }

    private BlockDevice(FdHandle fd, ulong capacity, int blockSize, bool readOnly)
    {
        _fd = fd;
        Capacity = capacity;
        BlockSize = blockSize;
        ReadOnly = readOnly;
    }

    /// <summary>Opens PATH; its size must be a non-zero multiple of the block size.</summary>
    public static BlockDevice Open(string name, string path, int blockSize, bool readOnly)
    {
        int fd = Libc.open(path, (readOnly ? Libc.O_RDONLY : Libc.O_RDWR) | Libc.O_CLOEXEC, 0);
        if (fd < 0)
        {
            int errno = Libc.Errno;
            string hint = !readOnly && errno is 13 or 30 /* EACCES, EROFS */
                ? $"; to attach it read-only use --block-ro:{name}={path}" : "";
            throw new MonitorException($"block device '{name}': cannot open '{path}': {Libc.StrError(errno)}{hint}");
        }
        var handle = new FdHandle(fd);
        long size = Libc.lseek(handle, 0, Libc.SEEK_END);
        if (size < 0)
        {
            int errno = Libc.Errno;
            handle.Dispose();
            throw new MonitorException($"block device '{name}': cannot size '{path}': {Libc.StrError(errno)}");
        }
        if (size < blockSize || size % blockSize != 0)
        {
            handle.Dispose();
            throw new MonitorException(size < blockSize
                ? $"block device '{name}': '{path}' is too small ({size} bytes, at least one {blockSize}-byte block)"
                : $"block device '{name}': '{path}' has an odd size ({size} bytes is not a multiple of the {blockSize}-byte block size)");
        }
        return new BlockDevice(handle, (ulong)size, blockSize, readOnly);
    }

    /// <summary>Offset aligned, length a non-zero multiple of the block size, all within capacity.</summary>
    public bool IsValidRequest(ulong offset, ulong len) =>
        len != 0 && offset % (ulong)BlockSize == 0 && len % (ulong)BlockSize == 0
        && offset <= Capacity && len <= Capacity - offset;

    /// <summary>pread/pwrite the whole buffer; false on a host I/O error or a short transfer.</summary>
    public bool Transfer(Span<byte> buffer, long offset, bool write)
    {
        fixed (byte* p = buffer)
        {
            int done = 0;
            while (done < buffer.Length)
            {
                nint n = write
                    ? Libc.pwrite(_fd, p + done, (nuint)(buffer.Length - done), offset + done)
                    : Libc.pread(_fd, p + done, (nuint)(buffer.Length - done), offset + done);
                if (n < 0 && Libc.Errno == Libc.EINTR) continue;
                if (n <= 0) return false;
                done += (int)n;
            }
        }
        return true;
    }
}
