using Ukvm.Security;

namespace Ukvm.Tests.Confinement;

/// <summary>
/// The seccomp program, run through a small classic-BPF interpreter over made-up seccomp_data:
/// what the policy allows passes, everything else is killed.
/// </summary>
public class BpfCompilerTests
{
    private const uint Allow = BpfCompiler.RetAllow, Kill = BpfCompiler.RetKillProcess;
    private static readonly uint Arch = SyscallNumbers.AuditArchX86_64;

    private static uint Run(BpfInsn[] prog, int nr, uint arch = 0xC000003E, params ulong[] args)
    {
        var data = new byte[64];
        BitConverter.TryWriteBytes(data.AsSpan(0), nr);
        BitConverter.TryWriteBytes(data.AsSpan(4), arch);
        for (int i = 0; i < args.Length; i++) BitConverter.TryWriteBytes(data.AsSpan(16 + 8 * i), args[i]);
        uint a = 0;
        for (int pc = 0; pc < prog.Length; pc++)
        {
            var insn = prog[pc];
            switch (insn.Code)
            {
                case 0x20: a = BitConverter.ToUInt32(data, (int)insn.K); break;
                case 0x54: a &= insn.K; break;
                case 0x15: pc += a == insn.K ? insn.Jt : insn.Jf; break;
                case 0x05: pc += (int)insn.K; break;
                case 0x06: return insn.K;
                default: throw new InvalidOperationException($"opcode 0x{insn.Code:x}");
            }
        }
        throw new InvalidOperationException("fell off the end");
    }

    private static BpfInsn[] Base(int vcpu = 5) => BpfCompiler.Compile(RunLoopPolicy.Base(vcpu), Arch, SyscallNumbers.X86_64);

    [Fact]
    public void WrongArchitectureIsKilled() => Assert.Equal(Kill, Run(Base(), 1, 0x40000003, 1));

    [Fact]
    public void KvmRunOnlyOnTheVcpu()
    {
        var p = Base(5);
        Assert.Equal(Allow, Run(p, 16, Arch, 5, 0xAE80));
        Assert.Equal(Kill, Run(p, 16, Arch, 4, 0xAE80));
        Assert.Equal(Kill, Run(p, 16, Arch, 5, 0xAE01));          // KVM_CREATE_VM
        Assert.Equal(Kill, Run(p, 16, Arch, 5 | 1UL << 32, 0xAE80)); // high word checked too
    }

    [Fact]
    public void ConsoleWritesOnly()
    {
        var p = Base();
        Assert.Equal(Allow, Run(p, 1, Arch, 1));
        Assert.Equal(Allow, Run(p, 1, Arch, 2));
        Assert.Equal(Kill, Run(p, 1, Arch, 3));
        Assert.Equal(Kill, Run(p, 0, Arch, 0)); // read: no tap attached
    }

    [Fact]
    public void NothingExecutableCanBeMapped()
    {
        var p = Base();
        Assert.Equal(Allow, Run(p, 9, Arch, 0, 4096, 3));   // mmap PROT_READ|PROT_WRITE
        Assert.Equal(Kill, Run(p, 9, Arch, 0, 4096, 5));    // PROT_READ|PROT_EXEC
        Assert.Equal(Kill, Run(p, 10, Arch, 0, 4096, 7));   // mprotect RWX
    }

    [Theory]
    [InlineData(2)]   // open
    [InlineData(257)] // openat
    [InlineData(59)]  // execve
    [InlineData(56)]  // clone
    [InlineData(41)]  // socket
    [InlineData(110)] // getppid
    [InlineData(101)] // ptrace
    public void EverythingElseIsKilled(int nr) => Assert.Equal(Kill, Run(Base(), nr, Arch, 0, 0, 0));

    [Fact]
    public void ModulesAddTheirDescriptors()
    {
        var policy = RunLoopPolicy.Base(5);
        policy.AllowReadWrite(7);
        for (int fd = 10; fd < 73; fd++) policy.AllowPositionalIo(fd); // 63 block devices: long rule bodies
        var p = BpfCompiler.Compile(policy, Arch, SyscallNumbers.X86_64);
        Assert.Equal(Allow, Run(p, 0, Arch, 7));
        Assert.Equal(Allow, Run(p, 1, Arch, 7));
        Assert.Equal(Kill, Run(p, 0, Arch, 8));
        Assert.Equal(Allow, Run(p, 17, Arch, 10));
        Assert.Equal(Allow, Run(p, 18, Arch, 72));
        Assert.Equal(Kill, Run(p, 18, Arch, 73));
        Assert.Equal(Allow, Run(p, 231, Arch, 0)); // a rule after the long ones still matches
    }

    [Fact]
    public void AnUnknownSystemCallNameIsAMonitorBug()
    {
        var policy = new SyscallPolicy().Allow("no_such_call");
        Assert.Throws<InvalidOperationException>(() => BpfCompiler.Compile(policy, Arch, SyscallNumbers.X86_64));
    }

    [Fact]
    public void BothArchitecturesKnowEveryCallThePolicyUses()
    {
        var policy = RunLoopPolicy.Base(3);
        policy.AllowReadWrite(4);
        policy.AllowPositionalIo(5);
        BpfCompiler.Compile(policy, SyscallNumbers.AuditArchAarch64, SyscallNumbers.Aarch64);
        BpfCompiler.Compile(policy, SyscallNumbers.AuditArchX86_64, SyscallNumbers.X86_64);
    }
}
