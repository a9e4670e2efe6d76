namespace Ukvm.Abi;

/// <summary>
/// Solo5 hvt ABI version 2 (include/hvt_abi.h): hypercall numbers, argument struct layouts
/// (natural alignment, 64-bit), boot info, limits. One constant per fact.
/// </summary>
internal static class HvtAbi
{
    public const int Version = 2;
    /// <summary>Lowest address an image may be loaded at (HVT_GUEST_MIN_BASE).</summary>
    public const ulong GuestMinBase = 0x100000;
    /// <summary>Command line size including the terminating NUL (HVT_CMDLINE_SIZE).</summary>
    public const int CmdlineSize = 8192;
    /// <summary>Bytes a HALT cookie must make available (HVT_HALT_COOKIE_MAX).</summary>
    public const ulong HaltCookieMax = 512;

    // enum hvt_hypercall
    public const int Walltime = 1, Puts = 2, Poll = 3, BlockWrite = 4, BlockRead = 5, NetWrite = 6, NetRead = 7, Halt = 8;
    public const int HypercallMax = 9;

    /// <summary>Names for diagnostics, indexed by hypercall number.</summary>
    public static string HypercallName(int nr) => nr switch
    {
        Walltime => "WALLTIME", Puts => "PUTS", Poll => "POLL", BlockWrite => "BLOCK_WRITE",
        BlockRead => "BLOCK_READ", NetWrite => "NET_WRITE", NetRead => "NET_READ", Halt => "HALT",
        _ => $"#{nr}",
    };

    // Argument structs: size, then field offsets.
    public const ulong WalltimeSize = 8;                 // { u64 nsecs; }
    public const ulong PutsSize = 16;                    // { u64 data; u64 len; }
    public const ulong PollSize = 24;                    // { u64 timeout_nsecs; u64 ready_set; int ret; }
    public const ulong PollReadySet = 8, PollRet = 16;
    public const ulong BlockIoSize = 40;                 // { u64 handle, offset, data, len; int ret; }
    public const ulong BlockHandle = 0, BlockOffset = 8, BlockData = 16, BlockLen = 24, BlockRet = 32;
    public const ulong NetIoSize = 32;                   // { u64 handle, data, len; int ret; }
    public const ulong NetHandle = 0, NetData = 8, NetLen = 16, NetRet = 24;
    public const ulong HaltSize = 16;                    // { u64 cookie; int exit_status; }
    public const ulong HaltStatus = 8;

    // struct hvt_boot_info with Solo5's ring-I/O extension fields.
    public const int BootInfoSize = 56;
    public const int BootMemSize = 0, BootKernelEnd = 8, BootCpuCycleFreq = 16, BootCmdline = 24, BootMft = 32,
        BootHostFeatures = 40, BootGuestFeatures = 44, BootNetRing = 48;

    /// <summary>Solo5's ring-I/O extension (HVT_FEATURE_RING_IO): a shared ring for network I/O at boot info net_ring.</summary>
    public const uint FeatureRingIo = 1u << 0;
    /// <summary>ukvm's own host feature: the guest may run its application at CPL3 / EL0.</summary>
    public const uint FeatureUserMode = 1u << 31;

    // solo5_result_t, as returned in the 'ret' fields.
    public const int ResultOk = 0, ResultAgain = 1, ResultInvalid = 2, ResultUnspecified = 3;
}
