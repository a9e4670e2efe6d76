using Ukvm.Core;
using Ukvm.Interop;

namespace Ukvm.Kvm;

/// <summary>A KVM virtual machine: memory slots and vCPUs.</summary>
internal sealed unsafe class KvmVm : System.IDisposable
{
    public KvmSystem System { get; }
    public FdHandle Handle { get; }

    internal KvmVm(KvmSystem system, FdHandle handle)
    {
        System = system;
        Handle = handle;
    }

    /// <summary>KVM_SET_USER_MEMORY_REGION: back guest physical [gpa, gpa+size) with host memory at host.</summary>
    public void SetUserMemoryRegion(uint slot, ulong gpa, ulong size, nint host, uint flags = 0)
    {
        var region = new KvmUserspaceMemoryRegion
        {
            Slot = slot, Flags = flags, GuestPhysAddr = gpa, MemorySize = size, UserspaceAddr = (ulong)host,
        };
        if (Libc.ioctl(Handle, KvmIoctl.SET_USER_MEMORY_REGION, &region) < 0)
            throw MonitorException.FromErrno("KVM: ioctl KVM_SET_USER_MEMORY_REGION", Libc.Errno);
    }

    /// <summary>KVM_MEM_READONLY: guest writes to the slot exit as MMIO (KVM_CAP_READONLY_MEM).</summary>
    public const uint MemReadOnly = 2;

    /// <summary>Gives all of guest memory to KVM, one slot per read-write or read-only range.</summary>
    public void MapMemory(Core.GuestMemory memory)
    {
        uint slot = 0;
        foreach (var (start, length, readOnly) in memory.Slots())
            SetUserMemoryRegion(slot++, start, length, memory.HostAddress + (nint)start, readOnly ? MemReadOnly : 0);
    }

    /// <summary>KVM_ENABLE_CAP on the VM (struct kvm_enable_cap: u32 cap, u32 flags, u64 args[4], 64 bytes of padding).</summary>
    public void EnableCap(int capability)
    {
        var cap = stackalloc byte[104];
        new System.Span<byte>(cap, 104).Clear();
        *(uint*)cap = (uint)capability;
        if (Libc.ioctl(Handle, KvmIoctl.ENABLE_CAP, cap) < 0)
            throw MonitorException.FromErrno($"KVM: ioctl KVM_ENABLE_CAP({capability})", Libc.Errno);
    }

    /// <summary>
    /// KVM_IOEVENTFD: a guest write of <paramref name="length"/> bytes to port (or MMIO address)
    /// <paramref name="address"/> signals eventfd <paramref name="eventFd"/> inside the kernel, with
    /// no exit to the monitor. Any value matches (no datamatch). Returns 0 or the errno.
    /// struct kvm_ioeventfd { u64 datamatch; u64 addr; u32 len; s32 fd; u32 flags; u8 pad[36]; }.
    /// </summary>
    public int TryAddIoEventFd(ulong address, uint length, int eventFd, bool pio)
    {
        byte* ev = stackalloc byte[64];
        new System.Span<byte>(ev, 64).Clear();
        *(ulong*)(ev + 8) = address;
        *(uint*)(ev + 16) = length;
        *(int*)(ev + 20) = eventFd;
        *(uint*)(ev + 24) = pio ? KvmIoctl.IOEVENTFD_FLAG_PIO : 0;
        return Libc.ioctl(Handle, KvmIoctl.IOEVENTFD, ev) < 0 ? Libc.Errno : 0;
    }

    /// <summary>
    /// AArch64: KVM_ARM_PREFERRED_TARGET, the struct kvm_vcpu_init (u32 target, u32 features[7])
    /// for this host's CPU.
    /// </summary>
    public uint[] ArmPreferredTarget()
    {
        var init = new uint[8];
        fixed (uint* p = init)
            if (Libc.ioctl(Handle, KvmIoctl.ARM_PREFERRED_TARGET, p) < 0)
                throw MonitorException.FromErrno("KVM: ioctl KVM_ARM_PREFERRED_TARGET", Libc.Errno);
        return init;
    }

    /// <summary>KVM_CREATE_VCPU and the mapping of its kvm_run area.</summary>
    public KvmVcpu CreateVcpu(int id)
    {
        int fd = Libc.ioctl(Handle, KvmIoctl.CREATE_VCPU, id);
        if (fd < 0)
            throw MonitorException.FromErrno("KVM: ioctl KVM_CREATE_VCPU", Libc.Errno);
        var handle = new FdHandle(fd);
        int size = System.VcpuMmapSize();
        void* run = Libc.mmap(null, (nuint)size, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED, fd, 0);
        if (run == (void*)-1)
        {
            int errno = Libc.Errno;
            handle.Dispose();
            throw MonitorException.FromErrno("KVM: mmap of kvm_run", errno);
        }
        return new KvmVcpu(handle, (byte*)run, size);
    }

    public void Dispose() => Handle.Dispose();
}
