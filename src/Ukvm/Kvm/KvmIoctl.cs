namespace Ukvm.Kvm;

/// <summary>
/// Every KVM ioctl the monitor uses, in one table (linux/kvm.h; values checked against the
/// header with a C program). _IO(0xAE,nr) = 0xAE00|nr; _IOW/_IOR/_IOWR add direction and size.
/// </summary>
internal static class KvmIoctl
{
    public const nuint GET_API_VERSION = 0xAE00;
    public const nuint CREATE_VM = 0xAE01;
    public const nuint CHECK_EXTENSION = 0xAE03;
    public const nuint GET_VCPU_MMAP_SIZE = 0xAE04;
    public const nuint GET_SUPPORTED_CPUID = 0xC008AE05;   // _IOWR(0xAE, 0x05, struct kvm_cpuid2)
    public const nuint CREATE_VCPU = 0xAE41;
    public const nuint SET_USER_MEMORY_REGION = 0x4020AE46; // _IOW(0xAE, 0x46, 32 bytes)
    public const nuint RUN = 0xAE80;
    public const nuint GET_REGS = 0x8090AE81;               // _IOR(0xAE, 0x81, struct kvm_regs)
    public const nuint SET_REGS = 0x4090AE82;
    public const nuint GET_SREGS = 0x8138AE83;              // _IOR(0xAE, 0x83, struct kvm_sregs)
    public const nuint SET_SREGS = 0x4138AE84;
    public const nuint SET_CPUID2 = 0x4008AE90;
    public const nuint GET_TSC_KHZ = 0xAEA3;
    public const nuint GET_ONE_REG = 0x4010AEAB;
    public const nuint SET_ONE_REG = 0x4010AEAC;
    public const nuint ARM_VCPU_INIT = 0x4020AEAE;           // _IOW(0xAE, 0xae, struct kvm_vcpu_init)
    public const nuint ARM_PREFERRED_TARGET = 0x8020AEAF;    // _IOR(0xAE, 0xaf, struct kvm_vcpu_init)
    public const int ARM_VCPU_PSCI_0_2 = 2;
    public const nuint ENABLE_CAP = 0x4068AEA3;              // _IOW(0xAE, 0xa3, struct kvm_enable_cap)
    public const int CAP_ARM_NISV_TO_USER = 177;
    public const nuint IOEVENTFD = 0x4040AE79;               // _IOW(0xAE, 0x79, struct kvm_ioeventfd), 64 bytes
    public const uint IOEVENTFD_FLAG_PIO = 1 << 1;           // kvm_ioeventfd_flag_nr_pio
    public const int CAP_IOEVENTFD = 36;

    public const int API_VERSION = 12;
    public const int CAP_GET_TSC_KHZ = 61;
}

/// <summary>kvm_run.exit_reason values (linux/kvm.h KVM_EXIT_*).</summary>
internal enum KvmExitReason : uint
{
    Unknown = 0,
    Exception = 1,
    Io = 2,
    Hypercall = 3,
    Debug = 4,
    Hlt = 5,
    Mmio = 6,
    IrqWindowOpen = 7,
    Shutdown = 8,
    FailEntry = 9,
    Intr = 10,
    InternalError = 17,
    SystemEvent = 24,
    ArmNisv = 28,
}
