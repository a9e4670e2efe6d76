using Ukvm.Core;
using Ukvm.Interop;

namespace Ukvm.Kvm;

/// <summary>/dev/kvm: the system-level KVM handle (API version, capabilities, VM creation).</summary>
internal sealed unsafe class KvmSystem : System.IDisposable
{
    public const string DevicePath = "/dev/kvm";

    public FdHandle Handle { get; }

    private KvmSystem(FdHandle handle) => Handle = handle;

    /// <summary>Opens /dev/kvm and checks that it speaks KVM API 12.</summary>
    public static KvmSystem Open()
    {
        var fd = new FdHandle(Libc.open(DevicePath, Libc.O_RDWR | Libc.O_CLOEXEC, 0));
        if (fd.IsInvalid)
            throw MonitorException.FromErrno($"KVM: open {DevicePath}", Libc.Errno);
        var kvm = new KvmSystem(fd);
        int version = kvm.Ioctl("KVM_GET_API_VERSION", KvmIoctl.GET_API_VERSION, 0);
        if (version != KvmIoctl.API_VERSION)
        {
            kvm.Dispose();
            throw new MonitorException($"KVM: API version {version}, expected {KvmIoctl.API_VERSION}");
        }
        return kvm;
    }

    /// <summary>KVM_CHECK_EXTENSION: 0 when the capability is absent.</summary>
    public int CheckExtension(int capability) =>
        Ioctl("KVM_CHECK_EXTENSION", KvmIoctl.CHECK_EXTENSION, capability);

    /// <summary>Size of the kvm_run area each vCPU descriptor maps.</summary>
    public int VcpuMmapSize() => Ioctl("KVM_GET_VCPU_MMAP_SIZE", KvmIoctl.GET_VCPU_MMAP_SIZE, 0);

    /// <summary>KVM_CREATE_VM with the default machine type.</summary>
    public KvmVm CreateVm()
    {
        int fd = Ioctl("KVM_CREATE_VM", KvmIoctl.CREATE_VM, 0);
        return new KvmVm(this, new FdHandle(fd));
    }

    /// <summary>KVM_GET_SUPPORTED_CPUID as a kvm_cpuid2 buffer (header and entries) ready for SET_CPUID2.</summary>
    public byte[] SupportedCpuid()
    {
        // 256 entries hold what current hosts report, so one call normally does (each costs ~0.4 ms under PVM).
        for (int entries = 256; ; entries *= 2)
        {
            var buffer = new byte[8 + entries * sizeof(KvmCpuidEntry2)];
            fixed (byte* p = buffer)
            {
                *(uint*)p = (uint)entries;
                if (Libc.ioctl(Handle, KvmIoctl.GET_SUPPORTED_CPUID, p) >= 0)
                    return buffer;
                int errno = Libc.Errno;
                if (errno != Libc.E2BIG || entries >= 4096)
                    throw MonitorException.FromErrno("KVM: ioctl KVM_GET_SUPPORTED_CPUID", errno);
            }
        }
    }

    internal int Ioctl(string name, nuint request, nint arg)
    {
        int ret = Libc.ioctl(Handle, request, arg);
        if (ret < 0)
            throw MonitorException.FromErrno($"KVM: ioctl {name}", Libc.Errno);
        return ret;
    }

    public void Dispose() => Handle.Dispose();
}
