using Ukvm.Tests.Support;

namespace Ukvm.Tests.EndToEnd;

/// <summary>
/// The SDK-built hostile unikernel (guest/tests/hostile) under the real monitor, one attack per run,
/// its application at CPL3 (and at CPL0 through its own #UD gate where an attack needs it). Each
/// attack has one defined outcome: the guest goes on (refused requests come back EINVAL, the guest
/// prints SUCCESS, status 0), or the monitor ends it (status 1, exactly one "ukvm: " line on
/// stderr), or the guest's own trap handler ends it (status 255, stderr empty: the monitor never
/// saw it). Never a monitor crash (134/139/159, a .NET stack trace), never a monitor left behind.
/// Every run has --block:storage and --net:service0 (the image declares both) on a tap in a
/// private network namespace, so the tests need root and /dev/net/tun as well as KVM.
/// </summary>
public class HostileGuestTests : IClassFixture<HostileGuestTests.Env>
{
    /// <summary>One namespace with one tap and one 1 MiB disk for the whole class (its tests run one at a time).</summary>
    public sealed class Env : IDisposable
    {
        private NetNamespace? _ns;
        private TempFile? _disk;

        internal UkvmRun Run(TimeSpan timeout, params string[] guestArgs)
        {
            NetNamespace.Require();
            if (_ns is null)
            {
                _ns = new NetNamespace();
                _ns.AddTap("tap0", "10.77.0.1/24");
                _disk = Guests.Disk(1 << 20);
            }
            var args = new List<string>
            {
                Repo.Monitor, "--mem=16", $"--block:storage={_disk!.Path}", "--net:service0=tap0", Guests.Image("hostile"),
            };
            args.AddRange(guestArgs);
            return _ns.Exec(timeout, args.ToArray());
        }

        public void Dispose()
        {
            _ns?.Dispose();
            _disk?.Dispose();
        }
    }

    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);
    private readonly Env _env;

    public HostileGuestTests(Env env) => _env = env;

    private UkvmRun Attack(string attack, params string[] more) =>
        _env.Run(Limit, new[] { attack }.Concat(more).ToArray());

    private static void AssertNoMonitorCrash(UkvmRun r)
    {
        Assert.False(r.ExitCode is 134 or 139 or 159 or 137, $"the monitor died (status {r.ExitCode}): {r.Stderr}");
        Assert.DoesNotContain("   at ", r.Stderr);
        Assert.DoesNotContain("Exception", r.Stderr);
        Assert.DoesNotContain("internal error", r.Stderr);
        r.AssertGone();
    }

    /// <summary>The monitor ended the guest: status 1, one "ukvm: " line naming the reason, after the attack began.</summary>
    private static void AssertEndedByMonitor(UkvmRun r, string attackLine, params string[] inLine)
    {
        AssertNoMonitorCrash(r);
        Assert.True(r.Stdout.Contains(attackLine), $"the guest did not get to the attack ('{attackLine}'):\n{r.Stdout}\n{r.Stderr}");
        Assert.DoesNotContain("FAILURE", r.Stdout);
        r.AssertOneLineFailure(inLine[0]);
        foreach (var s in inLine.Skip(1)) Assert.Contains(s, r.Stderr);
    }

    /// <summary>The guest went on and checked every result itself: SUCCESS, status 0, nothing on stderr.</summary>
    private static void AssertWentOn(UkvmRun r)
    {
        AssertNoMonitorCrash(r);
        Assert.True(r.ExitCode == 0, $"status {r.ExitCode}\n{r.Stdout}\n{r.Stderr}");
        Assert.Equal("", r.Stderr);
        Assert.DoesNotContain("WRONG", r.Stdout);
        Assert.Contains("SUCCESS", r.Stdout);
    }

    /// <summary>The guest's own trap handler ended it: the SDK's dump, status 255; the monitor said nothing.</summary>
    private static void AssertGuestTrap(UkvmRun r, string trap, int cpl = 3)
    {
        AssertNoMonitorCrash(r);
        Assert.True(r.ExitCode == 255, $"status {r.ExitCode}\n{r.Stdout}\n{r.Stderr}");
        Assert.Equal("", r.Stderr);
        Assert.Contains($"Solo5: ABORT: fatal trap {trap}", r.Stdout);
        Assert.Contains($"at CPL{cpl}", r.Stdout);
    }

    [SkippableFact]
    public void TheApplicationRunsAtCpl3()
    {
        var r = Attack("soft_args");
        Assert.Contains("hostile: soft_args (CPL3, memory 0x1000000,", r.Stdout);
    }

    // ---- Argument structs outside guest memory, or where the monitor must not write ----

    [SkippableTheory]
    [InlineData("arg_outside", "PUTS argument: address 0x40000000, length 16 is outside guest memory (size 0x1000000)")]
    [InlineData("arg_top32", "PUTS argument: address 0xfffffff8, length 16 is outside guest memory")]
    [InlineData("arg_max32", "WALLTIME argument: address 0xffffffff, length 8 is outside guest memory")]
    [InlineData("arg_at_end", "WALLTIME argument: address 0x1000000, length 8 is outside guest memory")]
    [InlineData("arg_straddle", "PUTS argument: address 0xfffff8, length 16 is outside guest memory")]
    [InlineData("arg_low_walltime", "WALLTIME argument: address 0x6000, length 8 overlaps read-only guest memory")]
    [InlineData("arg_low_poll", "POLL argument: address 0x8000, length 24 overlaps read-only guest memory")]
    [InlineData("arg_low_block", "BLOCK_READ argument: address 0x9000, length 40 overlaps read-only guest memory")]
    [InlineData("arg_text_walltime", "WALLTIME argument: address 0x100000, length 8 overlaps read-only guest memory")]
    [InlineData("arg_text_net", "NET_READ argument: address 0x100040, length 32 overlaps read-only guest memory")]
    public void ArgumentStructIsRefused(string attack, string line) =>
        AssertEndedByMonitor(Attack(attack), "hostile: ", line);

    [SkippableFact]
    public void BlockWriteArgumentInRodataIsRefused() =>
        // BLOCK_WRITE writes its 'ret': a const struct in the image's rodata cannot take it.
        AssertEndedByMonitor(Attack("arg_rodata_block"), "BLOCK_WRITE argument in the rodata",
            "BLOCK_WRITE argument: address 0x", "length 40 overlaps read-only guest memory");

    // ---- PUTS buffers ----

    [SkippableTheory]
    [InlineData("puts_huge", "PUTS buffer: address 0x", "length 9223372036854775808 is outside guest memory")]
    [InlineData("puts_memsize", "PUTS buffer: address 0x", "length 16777216 is outside guest memory")]
    [InlineData("puts_wrap", "PUTS buffer: address 0xfffffffffffff000, length 8192 is outside guest memory")]
    [InlineData("puts_outside", "PUTS buffer: address 0x40000000, length 16 is outside guest memory")]
    [InlineData("puts_straddle", "PUTS buffer: address 0xfffff8, length 16 is outside guest memory")]
    public void PutsBufferIsRefused(string attack, string line, string line2 = "") =>
        AssertEndedByMonitor(Attack(attack), $"hostile: {attack}: PUTS of", line, line2);

    // ---- HALT ----

    [SkippableTheory]
    [InlineData("halt_cookie_outside", "HALT cookie: address 0x40000000, length 512 is outside guest memory")]
    [InlineData("halt_cookie_straddle", "HALT cookie: address 0xffff00, length 512 is outside guest memory")]
    [InlineData("halt_cookie_wrap", "HALT cookie: address 0xffffffffffffff00, length 512 is outside guest memory")]
    public void HaltCookieOutsideMemoryIsRefused(string attack, string line) =>
        AssertEndedByMonitor(Attack(attack), $"hostile: {attack}: HALT", line);

    [SkippableFact]
    public void HaltCookieInLowMemoryIsARead()
    {
        // The cookie is only read: the command line page at 0x8000 is guest memory. Status 7 passes through.
        var r = Attack("halt_cookie_low");
        AssertNoMonitorCrash(r);
        Assert.True(r.ExitCode == 7, $"status {r.ExitCode}\n{r.Stdout}\n{r.Stderr}");
        Assert.Equal("", r.Stderr);
    }

    [SkippableFact]
    public void HaltArgumentInTheZeroPageReadsZeros()
    {
        // struct hvt_hc_halt at GPA 0 reads { cookie 0, status 0 } from the zero page: a clean exit.
        var r = Attack("halt_zero_page");
        AssertNoMonitorCrash(r);
        Assert.True(r.ExitCode == 0, $"status {r.ExitCode}\n{r.Stdout}\n{r.Stderr}");
        Assert.Equal("", r.Stderr);
        Assert.Contains("HALT argument in the zero page", r.Stdout);
        Assert.DoesNotContain("FAILURE", r.Stdout);
    }

    // ---- Hypercall numbers and I/O ports ----

    [SkippableTheory]
    [InlineData("hc0", "invalid guest port access: out port 0x500, size 4")]   // hypercall 0, at CPL3
    [InlineData("hc9", "invalid guest port access: out port 0x509, size 4")]   // at CPL3
    [InlineData("hc15", "invalid guest port access: out port 0x50f, size 4")]  // at CPL0
    [InlineData("hc255", "invalid guest port access: out port 0x5ff, size 4")] // at CPL0
    [InlineData("outb_hc", "invalid guest port access: out port 0x502, size 1")]
    [InlineData("outw_hc", "invalid guest port access: out port 0x502, size 2")]
    [InlineData("inb_hc", "invalid guest port access: in port 0x501, size 1")]
    [InlineData("inw_hc", "invalid guest port access: in port 0x501, size 2")]
    [InlineData("inl_hc", "invalid guest port access: in port 0x502, size 4")]
    [InlineData("rep_insl", "invalid guest port access: in port 0x501, size 4")]
    [InlineData("port_out1", "invalid guest port access: out port 0x3f8, size 1")]
    [InlineData("port_out2", "invalid guest port access: out port 0x80, size 2")]
    [InlineData("port_out4", "invalid guest port access: out port 0xcf8, size 4")]
    [InlineData("port_in1", "invalid guest port access: in port 0x64, size 1")]
    [InlineData("port_in2", "invalid guest port access: in port 0x3f8, size 2")]
    [InlineData("port_in4", "invalid guest port access: in port 0xcfc, size 4")]
    [InlineData("port_ffff", "invalid guest port access: out port 0xffff, size 1")]
    public void PortAccessOutsideTheAbiIsRefused(string attack, string line) =>
        AssertEndedByMonitor(Attack(attack), "hostile: ", line);

    [SkippableFact]
    public void RepOutslIsServedOneDwordAtATimeOrRefused()
    {
        // String I/O to a hypercall port: KVM reports it as one exit of count 2 (the monitor must end
        // the guest) or, where it emulates the instruction (PVM), as two single OUTs: two WALLTIMEs.
        var r = Attack("rep_outsl");
        AssertNoMonitorCrash(r);
        if (r.ExitCode == 1)
            AssertEndedByMonitor(r, "rep outsl", "invalid guest port access: out port 0x501, size 4");
        else
        {
            AssertWentOn(r);
            Assert.Contains("rep outsl: served as WALLTIME hypercalls: OK", r.Stdout);
        }
    }

    [SkippableTheory]
    [InlineData("hc15_cpl3")]  // outl to 0x50f also touches 0x510-0x512, outside the SDK's I/O bitmap
    [InlineData("hc255_cpl3")] // port 0x5ff, outside the bitmap
    [InlineData("port_cpl3")]  // port 0x3f8
    [InlineData("hlt_cpl3")]   // privileged
    public void CPL3AccessOutsideTheIoBitmapIsTheGuestsOwnGP(string attack) => AssertGuestTrap(Attack(attack), "#GP");

    // ---- The same from an application at CPL0 (--solo5:kernelmode): the monitor sees them itself ----

    [SkippableTheory]
    [InlineData("hc15_cpl3", "invalid guest port access: out port 0x50f, size 4")]
    [InlineData("hc255_cpl3", "invalid guest port access: out port 0x5ff, size 4")]
    [InlineData("port_cpl3", "invalid guest port access: out port 0x3f8, size 1")]
    [InlineData("hlt_cpl3", "guest halted the CPU (hlt) instead of calling HALT")]
    [InlineData("hc0", "invalid guest port access: out port 0x500, size 4")]
    [InlineData("triple", "guest triple fault (KVM_EXIT_SHUTDOWN)")]
    [InlineData("mmio_read", "invalid guest MMIO access at 0x30000000")]
    [InlineData("arg_low_walltime", "WALLTIME argument: address 0x6000, length 8 overlaps read-only guest memory")]
    [InlineData("puts_wrap", "PUTS buffer: address 0xfffffffffffff000, length 8192 is outside guest memory")]
    public void AtCpl0TheMonitorEndsTheGuest(string attack, string line)
    {
        var r = Attack("--solo5:kernelmode", attack);
        Assert.Contains($"hostile: {attack} (CPL0,", r.Stdout);
        AssertEndedByMonitor(r, $"hostile: {attack}", line);
    }

    [SkippableFact]
    public void AtCpl0AWriteToTheBootInfoIsStillTheGuestsOwnPageFault()
    {
        // CR0.WP: the read-only low pages are read-only at CPL0 too.
        var r = Attack("--solo5:kernelmode", "write_low");
        AssertGuestTrap(r, "#PF", cpl: 0);
        Assert.Contains("cr2=0x6000 (protection violation on write, CPL0)", r.Stdout);
    }

    [SkippableTheory]
    [InlineData("soft_args")]
    [InlineData("block")]
    [InlineData("net")]
    public void AtCpl0BadRequestsAreStillEinval(string attack)
    {
        var r = Attack("--solo5:kernelmode", attack);
        Assert.Contains($"hostile: {attack} (CPL0,", r.Stdout);
        AssertWentOn(r);
    }

    // ---- CPU state ----

    [SkippableFact]
    public void HltAtCpl0EndsTheGuest() =>
        AssertEndedByMonitor(Attack("hlt"), "hlt at CPL0", "guest halted the CPU (hlt) instead of calling HALT");

    [SkippableFact]
    public void EmptyIdtThenUd2IsATripleFault() =>
        AssertEndedByMonitor(Attack("triple"), "lidt of an empty IDT", "guest triple fault (KVM_EXIT_SHUTDOWN)");

    [SkippableFact]
    public void IdtClearedFromCpl3ThenUd2IsATripleFault() =>
        AssertEndedByMonitor(Attack("triple_cpl3"), "clearing the IDT", "guest triple fault (KVM_EXIT_SHUTDOWN)");

    [SkippableTheory]
    [InlineData("mmio_read")]
    [InlineData("mmio_write")]
    public void MmioAboveGuestMemoryEndsTheGuest(string attack) =>
        AssertEndedByMonitor(Attack(attack), "own page tables", "invalid guest MMIO access at 0x30000000");

    // ---- Memory the guest may not write, or should not execute ----

    // W^X in the guest: text and rodata are read-only in the monitor's page tables, so the write is
    // the guest's own #PF (its handler reports it, status 255). The read-only memory slot behind
    // them is the second layer (RawGuestTests: a CPL0 guest that clears CR0.WP).
    [SkippableTheory]
    [InlineData("write_text")]
    [InlineData("write_rodata")]
    public void WriteToOwnTextOrRodataIsTheGuestsOwnPageFault(string attack) => AssertGuestTrap(Attack(attack), "#PF");

    [SkippableTheory]
    [InlineData("write_text")]
    [InlineData("write_rodata")]
    public void AtCpl0TooWritingTextIsThePageFaultOfTheGuest(string attack) =>
        AssertGuestTrap(Attack("--solo5:kernelmode", attack), "#PF", cpl: 0);

    [SkippableFact]
    public void WriteToTheBootInfoIsTheGuestsOwnPageFault()
    {
        // The low area is read-only in the monitor's page tables: the guest's #PF, never the monitor's business.
        var r = Attack("write_low");
        AssertGuestTrap(r, "#PF");
        Assert.Contains("cr2=0x6000 (protection violation on write, CPL3)", r.Stdout);
    }

    [SkippableTheory]
    [InlineData("exec_data", "EXECUTED DATA")]
    [InlineData("exec_stack", "EXECUTED STACK")]
    public void CodeInWritableMemoryDoesNotRun(string attack, string executed)
    {
        var r = Attack(attack);
        AssertNoMonitorCrash(r);
        Assert.Equal("", r.Stderr);
        Assert.DoesNotContain(executed, r.Stdout);
        // W^X in the guest: the guest's own #PF on the instruction fetch (NX).
        Assert.True(r.ExitCode == 255, $"status {r.ExitCode}");
        Assert.Contains("on fetch", r.Stdout);
    }

    // ---- Requests the monitor refuses with EINVAL (or serves): the guest goes on ----

    [SkippableFact]
    public void OddButValidArgumentsAreServed()
    {
        // Structs in the last bytes of memory, at odd addresses, in the zero page; PUTS of low memory and text.
        var r = Attack("soft_args");
        AssertWentOn(r);
        Assert.Contains("hostile: PUTS argument in the last 16 bytes of memory", r.Stdout);
        Assert.Contains("hostile: PUTS argument at an odd address", r.Stdout);
        Assert.Contains("hostile: PUTS of the command line at 0x8000: soft_args", r.Stdout);
    }

    [SkippableFact]
    public void BadBlockRequestsAreEinval()
    {
        var r = Attack("block");
        AssertWentOn(r);
        foreach (var line in new[]
                 {
                     "BLOCK_READ handle 63: EINVAL", "BLOCK_READ handle 64: EINVAL", "BLOCK_READ handle 2^64-1: EINVAL",
                     "BLOCK_READ on the net handle: EINVAL", "BLOCK_READ length 2^63: EINVAL",
                     "BLOCK_READ offset+length wraps: EINVAL", "BLOCK_READ buffer at 2^64-block (wraps): EINVAL",
                     "BLOCK_READ buffer straddling the end of memory: EINVAL",
                     "BLOCK_READ buffer exactly at the end of memory: EINVAL",
                     "BLOCK_READ into the text: EINVAL", "BLOCK_READ into the rodata: EINVAL",
                     "BLOCK_READ into the boot info (0x6000): EINVAL", "BLOCK_READ into the zero page: EINVAL",
                     "BLOCK_WRITE from the text: OK", "BLOCK_READ into the last bytes of memory: OK",
                     "BLOCK_READ over its own struct: OK",
                 })
            Assert.Contains(line + "\n", r.Stdout);
    }

    [SkippableFact]
    public void BadNetRequestsAreEinval()
    {
        var r = Attack("net");
        AssertWentOn(r);
        foreach (var line in new[]
                 {
                     "NET_WRITE handle 0: EINVAL", "NET_WRITE handle 63: EINVAL", "NET_WRITE handle 64: EINVAL",
                     "NET_WRITE handle 2^64-1: EINVAL", "NET_WRITE on the block handle: EINVAL",
                     "NET_WRITE of 2^64-1 bytes: EINVAL", "NET_WRITE buffer at 2^64-30 (wraps): EINVAL",
                     "NET_READ buffer straddling the end of memory: EINVAL", "NET_READ into the text: EINVAL",
                     "NET_READ into the rodata: EINVAL", "NET_READ into the zero page: EINVAL",
                     "NET_READ handle 0: EINVAL", "NET_WRITE of an mtu+14-byte frame: OK",
                     "NET_WRITE of a frame from the text: OK", "NET_WRITE of a frame from the last bytes of memory: OK",
                 })
            Assert.Contains(line + "\n", r.Stdout);
    }

    [SkippableFact]
    public void AMillionWalltimeHypercallsJustFinish()
    {
        // 55-180 us per exit under PVM: one to three minutes for a million. (Under seccomp this once
        // died of SIGSYS: the run loop allocated per exit and the GC then opened /proc/meminfo.)
        var r = _env.Run(TimeSpan.FromMinutes(8), "flood", "1000000");
        AssertWentOn(r);
        Assert.Contains("flood: 1000000 WALLTIME hypercalls in", r.Stdout);
    }
}
