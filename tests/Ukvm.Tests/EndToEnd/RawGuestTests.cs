using Ukvm.Tests.Support;
using static Ukvm.Tests.Support.RawGuest;

namespace Ukvm.Tests.EndToEnd;

/// <summary>
/// Tiny hand-assembled hostile guests under the real monitor (--mem=4): each ends with its defined
/// status, a fault with exactly one stderr line, and the monitor process gone.
/// </summary>
public class RawGuestTests
{
    private static UkvmRun Run(byte[] image, params string[] guestArgs)
    {
        Kvm.Require();
        using var f = new TempFile(image);
        return UkvmRun.Start(new[] { "--mem=4", f.Path }.Concat(guestArgs).ToArray());
    }

    private static void AssertStatus(UkvmRun r, int status)
    {
        Assert.True(r.ExitCode == status, $"exit status {r.ExitCode}, expected {status}; stderr: {r.Stderr}");
        Assert.Equal("", r.Stderr);
        r.AssertGone();
    }

    [SkippableTheory]
    [InlineData(0)]
    [InlineData(7)]
    [InlineData(255)]
    public void HaltStatusPassesThrough(int status)
    {
        var r = Run(HaltImage(status));
        AssertStatus(r, status);
        Assert.Equal("", r.Stdout);
    }

    [SkippableFact]
    public void HaltWithStatus1IsSilent() => AssertStatus(Run(HaltImage(1)), 1);

    [SkippableFact]
    public void PutsThenHalt()
    {
        var r = Run(PutsThenHaltImage("Hello from a raw guest\n"));
        AssertStatus(r, 0);
        Assert.Equal("Hello from a raw guest\n", r.Stdout);
    }

    [SkippableFact]
    public void CommandLineIsAt0x8000()
    {
        // PUTS { 0x8000, 11 } prints the command line the monitor placed there.
        var data = PutsArg(0x8000, 11).Concat(HaltArg(0)).ToArray();
        var r = Run(Image(new X86().Hypercall(Puts, Data).Hypercall(Halt, Data + 16), data), "hello", "world");
        AssertStatus(r, 0);
        Assert.Equal("hello world", r.Stdout);
    }

    [SkippableFact]
    public void WriteToOwnTextFaultsInTheGuestsOwnPaging() =>
        // Text is read-only in the monitor's page tables (CR0.WP): #PF, no IDT here, triple fault.
        Run(Image(new X86().MovRax(Text).MovBytePtrRax(0xcc))).AssertOneLineFailure("guest triple fault");

    [SkippableFact]
    public void WriteToOwnTextPastItsOwnPagingIsATranslationFault() =>
        // With CR0.WP cleared the guest's paging no longer stops it: the read-only memory slot does.
        Run(Image(new X86().ClearCr0Wp().MovRax(Text).MovBytePtrRax(0xcc))).AssertOneLineFailure("translation fault");

    [SkippableFact]
    public void WriteToTheLowAreaFaults()
    {
        // The page tables at 0x2000 are read-only in the guest's own paging (CR0.WP): #PF, no IDT, triple fault.
        Run(Image(new X86().MovRax(0x2000).MovBytePtrRax(0))).AssertOneLineFailure("guest triple fault");
    }

    [SkippableFact]
    public void NullDereferenceFaults() =>
        Run(Image(new X86().MovRax(0).LoadEaxFromRax())).AssertOneLineFailure("guest triple fault");

    [SkippableFact]
    public void SerialPortIsRefused() =>
        Run(Image(new X86().MovDx(0x3f8).MovAl((byte)'A').OutDxAl())).AssertOneLineFailure("invalid guest port access: out port 0x3f8, size 1");

    [SkippableFact]
    public void InFromHypercallPortIsRefused() =>
        Run(Image(new X86().MovDx(0x502).InEaxDx())).AssertOneLineFailure("invalid guest port access: in port 0x502");

    [SkippableTheory]
    [InlineData(0x509)]
    [InlineData(0x500)]
    [InlineData(0x50f)]
    public void PortOutsideTheHypercallsIsRefused(int port) =>
        Run(Image(new X86().MovEax(Data).MovDx((ushort)port).OutDxEax(), HaltArg(0)))
            .AssertOneLineFailure($"invalid guest port access: out port 0x{port:x}, size 4");

    [SkippableTheory]
    [InlineData(4, "BLOCK_WRITE")]
    [InlineData(7, "NET_READ")]
    public void HypercallOfAnAbsentDeviceIsRefused(int nr, string name) =>
        Run(Image(new X86().Hypercall(nr, Data), new byte[64]))
            .AssertOneLineFailure($"invalid guest hypercall: number {nr} ({name}) is not enabled");

    [SkippableTheory]
    [InlineData(0x10000000u)]  // 256 MiB, above the 4 MiB of guest memory
    [InlineData(0x3ffff8u)]    // the last 8 bytes: the len field lies outside
    [InlineData(0xfffffff0u)]
    public void PutsArgumentOutsideMemory(uint gpa)
    {
        var r = Run(Image(new X86().Hypercall(Puts, gpa)));
        r.AssertOneLineFailure("PUTS argument: address 0x");
        Assert.Contains("is outside guest memory (size 0x400000)", r.Stderr);
    }

    [SkippableFact]
    public void PutsBufferOutsideMemory() =>
        Run(Image(new X86().Hypercall(Puts, Data), PutsArg(0x3fff00, 0x200))).AssertOneLineFailure("PUTS buffer: address 0x3fff00, length 512");

    [SkippableFact]
    public void WalltimeIntoOwnTextIsRefused() =>
        Run(Image(new X86().Hypercall(Walltime, Text))).AssertOneLineFailure("WALLTIME argument: address 0x100000, length 8 overlaps read-only guest memory");

    [SkippableFact]
    public void HaltCookieWithoutRoom() =>
        Run(Image(new X86().Hypercall(Halt, Data), HaltArg(0, cookie: 0x3fff00))).AssertOneLineFailure("HALT cookie: address 0x3fff00, length 512");

    [SkippableFact]
    public void HltInstruction() =>
        Run(Image(new X86().Hlt())).AssertOneLineFailure("guest halted the CPU (hlt) instead of calling HALT");

    [SkippableFact]
    public void Ud2WithoutIdtIsATripleFault() =>
        Run(Image(new X86().Ud2())).AssertOneLineFailure("guest triple fault (KVM_EXIT_SHUTDOWN)");

    [SkippableFact]
    public void MmioAboveGuestMemory()
    {
        // The monitor's page tables map only guest memory, so the guest loads its own (in its data)
        // that also map 8 MiB, above the 4 MiB it has, and reads there: an MMIO exit.
        const uint tables = 0x102000;
        var image = ElfBuilder.Minimal(new X86().MovRax(tables).MovCr3Rax().MovRax(0x800000).LoadEaxFromRax().Ud2().ToArray())
            .Load(tables, GuestPageTables.Identity(tables, 0, 0x800000), ElfBuilder.PF_R | ElfBuilder.PF_W)
            .Build();
        Run(image).AssertOneLineFailure("invalid guest MMIO access at 0x800000");
    }

    [SkippableFact]
    public void PutsToAClosedStdoutDoesNotKillTheMonitor()
    {
        Kvm.Require();
        using var f = new TempFile(PutsThenHaltImage("nobody reads this\n"));
        // The reader of ukvm's stdout is gone before the guest writes; SIGPIPE back at its default.
        string script = $"(sleep 0.5; exec env --default-signal=PIPE '{Repo.Monitor}' --mem=4 '{f.Path}') | true; echo \"status=${{PIPESTATUS[0]}}\"";
        var r = UkvmRun.Exec("/bin/bash", new[] { "-c", script }, TimeSpan.FromSeconds(30));
        Assert.Equal("status=0\n", r.Stdout);
    }
}
