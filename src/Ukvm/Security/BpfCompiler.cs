using System;
using System.Collections.Generic;

namespace Ukvm.Security;

/// <summary>One classic BPF instruction (struct sock_filter).</summary>
[System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
internal readonly record struct BpfInsn(ushort Code, byte Jt, byte Jf, uint K);

/// <summary>
/// Compiles a <see cref="SyscallPolicy"/> to a seccomp BPF program (pure: testable without
/// installing it). Written by hand rather than with libseccomp: it is small, security-critical,
/// and the monitor must not need a native library at run time. See the kernel's
/// Documentation/userspace-api/seccomp_filter.rst for struct seccomp_data and the return values.
/// </summary>
internal static class BpfCompiler
{
    // BPF opcodes (linux/bpf_common.h).
    private const ushort LdW = 0x00 | 0x00 | 0x20;    // BPF_LD | BPF_W | BPF_ABS
    private const ushort JeqK = 0x05 | 0x10 | 0x00;   // BPF_JMP | BPF_JEQ | BPF_K
    private const ushort AndK = 0x04 | 0x50 | 0x00;   // BPF_ALU | BPF_AND | BPF_K
    private const ushort RetK = 0x06 | 0x00;          // BPF_RET | BPF_K
    private const ushort Ja = 0x05 | 0x00;            // BPF_JMP | BPF_JA (32-bit offset in k)

    public const uint RetKillProcess = 0x80000000, RetAllow = 0x7fff0000;
    // struct seccomp_data { int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6]; }
    private const uint NrOffset = 0, ArchOffset = 4, ArgsOffset = 16;

    /// <summary>The program: wrong architecture or an unlisted call kills the process.</summary>
    public static BpfInsn[] Compile(SyscallPolicy policy, uint auditArch, IReadOnlyDictionary<string, int> numbers)
    {
        var p = new List<BpfInsn>
        {
            new(LdW, 0, 0, ArchOffset),
            new(JeqK, 1, 0, auditArch),
            new(RetK, 0, 0, RetKillProcess),
            new(LdW, 0, 0, NrOffset),
        };
        foreach (var (name, alternatives) in policy.Rules)
        {
            if (!numbers.TryGetValue(name, out int nr))
                throw new InvalidOperationException($"seccomp: no number for system call '{name}'");
            var body = new List<BpfInsn>();
            foreach (var checks in alternatives)
            {
                var alt = new List<BpfInsn>();
                var failJumps = new List<int>();
                foreach (var c in checks)
                    EmitCheck(alt, failJumps, c);
                alt.Add(new BpfInsn(RetK, 0, 0, RetAllow));
                // A failed check jumps past this alternative, to the next one.
                foreach (int at in failJumps)
                {
                    var j = alt[at];
                    alt[at] = j with { Jf = Checked(alt.Count - at - 1) };
                }
                body.AddRange(alt);
            }
            body.Add(new BpfInsn(RetK, 0, 0, RetKillProcess));
            // Conditional jumps reach 255 instructions at most; a rule's body (one alternative per
            // descriptor: 63 block devices make hundreds) is skipped with an unconditional jump.
            p.Add(new BpfInsn(JeqK, 1, 0, (uint)nr));
            p.Add(new BpfInsn(Ja, 0, 0, (uint)body.Count));
            p.AddRange(body);
        }
        p.Add(new BpfInsn(RetK, 0, 0, RetKillProcess));
        if (p.Count > 4096)
            throw new InvalidOperationException("seccomp program too long");
        return p.ToArray();
    }

    /// <summary>
    /// Compares a 64-bit argument as two 32-bit words (little-endian: low word first). On a
    /// match the jump falls through; on a mismatch it goes to the end of the alternative.
    /// </summary>
    private static void EmitCheck(List<BpfInsn> alt, List<int> failJumps, ArgCheck c)
    {
        uint low = ArgsOffset + 8 * (uint)c.Index, high = low + 4;
        foreach (var (offset, word) in new[] { (low, (uint)c.Value), (high, (uint)(c.Value >> 32)) })
        {
            alt.Add(new BpfInsn(LdW, 0, 0, offset));
            if (c.MaskZero)
            {
                alt.Add(new BpfInsn(AndK, 0, 0, word));
                failJumps.Add(alt.Count);
                alt.Add(new BpfInsn(JeqK, 0, 0, 0));
            }
            else
            {
                failJumps.Add(alt.Count);
                alt.Add(new BpfInsn(JeqK, 0, 0, word));
            }
        }
    }

    private static byte Checked(int jump) =>
        jump is >= 0 and <= 255 ? (byte)jump : throw new InvalidOperationException("seccomp jump out of range");
}
