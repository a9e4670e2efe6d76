using System.Runtime.InteropServices;
using Ukvm.Core;

namespace Ukvm.Arch;

/// <summary>Picks the backend for the host's architecture, once, at run time.</summary>
internal static class Backends
{
    public static IArchBackend Current => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => new X86_64.X86Backend(),
        Architecture.Arm64 => new Aarch64.Aarch64Backend(),
        var a => throw new MonitorException($"unsupported host architecture {a}"),
    };
}
