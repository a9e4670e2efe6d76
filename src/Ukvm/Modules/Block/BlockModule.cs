using System;
using System.Collections.Generic;
using Ukvm.Abi;
using Ukvm.Core;
using Ukvm.Hypercalls;
using Ukvm.Interop;
using Ukvm.Manifest;

namespace Ukvm.Modules.Block;

/// <summary>
/// Block devices backed by host files: --block:NAME=PATH, --block-ro:NAME=PATH (read-only),
/// --block-sector-size:NAME=N. BLOCK_READ / BLOCK_WRITE go straight to pread/pwrite: nothing
/// is buffered in the monitor, so a write acknowledged to the guest is in the file.
/// </summary>
internal sealed unsafe class BlockModule : IModule
{
    public const int DefaultBlockSize = 512, MinBlockSize = 512;
    /// <summary>The manifest's block_size field is 16 bits wide: 32768 is the largest power of two it holds.</summary>
    public const int MaxBlockSize = 32768;

    private readonly DeviceOptions _attach = new("--block:");
    private readonly DeviceOptions _readOnly = new("--block-ro:");
    private readonly DeviceOptions _sectorSize = new("--block-sector-size:");
    private readonly BlockDevice?[] _devices = new BlockDevice?[AppManifest.MaxEntries];
    private GuestMemory _memory = null!;

    public string Name => "block";

    public IEnumerable<string> Usage => new[]
    {
        "--block:NAME=PATH                attach host file PATH as block device NAME",
        "--block-ro:NAME=PATH             attach it read-only (writes fail)",
        "--block-sector-size:NAME=N       block size of NAME: 512 (default) to 32768, a power of two",
    };

    public bool TryHandleOption(string arg) => _attach.TryAdd(arg) || _readOnly.TryAdd(arg) || _sectorSize.TryAdd(arg);

    public void Setup(MonitorContext context)
    {
        _memory = context.Memory;
        _sectorSize.CheckAllAttachedBy(_attach, _readOnly);
        foreach (var (opts, ro) in new[] { (_attach, false), (_readOnly, true) })
            foreach (var (device, path) in opts.Resolve(context.Manifest, DeviceType.BlockBasic))
            {
                if (device.Attached)
                    throw new MonitorException($"block device '{device.Name}' attached twice");
                int blockSize = _sectorSize.Values.TryGetValue(device.Name, out var s) ? ParseBlockSize(device.Name, s) : DefaultBlockSize;
                var dev = BlockDevice.Open(device.Name, path, blockSize, ro);
                _devices[device.Index] = dev;
                context.Syscalls.AllowPositionalIo(dev.Fd);
                device.Capacity = dev.Capacity;
                device.BlockSize = (ushort)blockSize;
                device.Attached = true;
            }
        if (Array.Exists(_devices, d => d is not null))
        {
            context.Hypercalls.Register(HvtAbi.BlockWrite, Write);
            context.Hypercalls.Register(HvtAbi.BlockRead, Read);
        }
    }

    private static int ParseBlockSize(string name, string value)
    {
        if (!int.TryParse(value, System.Globalization.NumberStyles.None, null, out int n)
            || n < MinBlockSize || n > MaxBlockSize || (n & (n - 1)) != 0)
            throw new MonitorException(
                $"--block-sector-size:{name}={value}: expected a power of two from {MinBlockSize} to {MaxBlockSize}");
        return n;
    }

    /// <summary>BLOCK_WRITE: whole blocks from guest memory to the file.</summary>
    public HypercallOutcome Write(ulong gpa) => Transfer(gpa, write: true);

    /// <summary>BLOCK_READ: whole blocks from the file into guest memory.</summary>
    public HypercallOutcome Read(ulong gpa) => Transfer(gpa, write: false);

    private HypercallOutcome Transfer(ulong gpa, bool write)
    {
        string what = write ? "BLOCK_WRITE argument" : "BLOCK_READ argument";
        _memory.WritableBytes(gpa, HvtAbi.BlockIoSize, what);
        ulong handle = _memory.ReadU64(gpa + HvtAbi.BlockHandle, what);
        ulong offset = _memory.ReadU64(gpa + HvtAbi.BlockOffset, what);
        ulong data = _memory.ReadU64(gpa + HvtAbi.BlockData, what);
        ulong len = _memory.ReadU64(gpa + HvtAbi.BlockLen, what);
        int result = Execute(handle, offset, data, len, write);
        _memory.WriteI32(gpa + HvtAbi.BlockRet, result, what);
        return HypercallOutcome.Continue;
    }

    /// <summary>The solo5_result_t of one request; bad arguments are EINVAL and the guest goes on.</summary>
    private int Execute(ulong handle, ulong offset, ulong data, ulong len, bool write)
    {
        var dev = handle < (ulong)_devices.Length ? _devices[handle] : null;
        if (dev is null || !dev.IsValidRequest(offset, len))
            return HvtAbi.ResultInvalid;
        // The guest's buffer: inside its memory, and writable by the monitor for a read.
        if (write ? !_memory.Contains(data, len) : !_memory.IsWritable(data, len))
            return HvtAbi.ResultInvalid;
        if (write && dev.ReadOnly)
            return HvtAbi.ResultUnspecified;
        var buffer = _memory.Bytes(data, len);
        return dev.Transfer(buffer, (long)offset, write) ? HvtAbi.ResultOk : HvtAbi.ResultUnspecified;
    }
}
