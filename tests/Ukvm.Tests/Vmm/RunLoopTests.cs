using Ukvm.Arch;
using Ukvm.Core;
using Ukvm.Hypercalls;
using Ukvm.Vmm;

namespace Ukvm.Tests.Vmm;

/// <summary>RunLoop.Handle: one decoded exit either dispatches a hypercall or ends the guest with its reason.</summary>
public class RunLoopTests
{
    [Fact]
    public void FaultExitEndsTheGuestWithReasonAndPc()
    {
        var e = Assert.Throws<GuestFaultException>(() =>
            RunLoop.Handle(GuestExit.Fault("guest triple fault (KVM_EXIT_SHUTDOWN)"), new HypercallTable(), () => "rip 0x100abc, rsp 0x3ffff8"));
        Assert.Equal("guest triple fault (KVM_EXIT_SHUTDOWN) (rip 0x100abc, rsp 0x3ffff8)", e.Message);
    }

    [Fact]
    public void HypercallExitIsDispatchedWithoutAskingForTheCpuState()
    {
        var t = new HypercallTable();
        t.Register(8, gpa => HypercallOutcome.Halt((int)gpa));
        var outcome = RunLoop.Handle(GuestExit.Call(8, 42), t, () => throw new InvalidOperationException("CPU state read"));
        Assert.Equal(HypercallOutcome.Halt(42), outcome);
    }

    [Fact]
    public void ContinueOutcomeIsPassedBack()
    {
        var t = new HypercallTable();
        t.Register(1, _ => HypercallOutcome.Continue);
        Assert.False(RunLoop.Handle(GuestExit.Call(1, 0), t, () => "").Halted);
    }

    [Fact]
    public void UnregisteredHypercallIsAGuestFault()
    {
        var e = Assert.Throws<GuestFaultException>(() => RunLoop.Handle(GuestExit.Call(5, 0), new HypercallTable(), () => ""));
        Assert.Contains("invalid guest hypercall: number 5 (BLOCK_READ)", e.Message);
    }
}
