using System.Collections.Generic;
using Ukvm.Core;
using Ukvm.Hypercalls;
using Ukvm.Manifest;

namespace Ukvm.Modules;

/// <summary>
/// A monitor module: inert until the operator attaches a device that the manifest declares.
/// Even the core (clock, console, poll, halt) is a module.
/// </summary>
internal interface IModule
{
    string Name { get; }

    /// <summary>One line per option for --help, or none.</summary>
    IEnumerable<string> Usage { get; }

    /// <summary>Consumes <paramref name="arg"/> if it is this module's option; throws on a malformed one.</summary>
    bool TryHandleOption(string arg);

    /// <summary>Attaches host resources to manifest devices and registers hypercalls.</summary>
    void Setup(MonitorContext context);
}

/// <summary>
/// What modules get at setup: guest memory, the manifest, the hypercall table, the poll set; and
/// what they give back: boot info extensions and what to stop when the guest ends.
/// </summary>
internal sealed class MonitorContext : System.IDisposable
{
    private readonly List<System.IDisposable> _atExit = new();

    public required GuestMemory Memory { get; init; }
    public required AppManifest Manifest { get; init; }
    public required HypercallTable Hypercalls { get; init; }
    public PollSet Poll { get; } = new();
    /// <summary>System calls the run loop needs: modules add the descriptors they use.</summary>
    public Security.SyscallPolicy Syscalls { get; init; } = new();
    /// <summary>The VM (for in-kernel notifications such as KVM_IOEVENTFD); null in unit tests.</summary>
    public Kvm.KvmVm? Vm { get; init; }
    /// <summary>The architecture backend (memory layout); null in unit tests.</summary>
    public Arch.IArchBackend? Arch { get; init; }

    /// <summary>Boot info host_features bits that modules offer (beyond the architecture's own).</summary>
    public uint HostFeatures { get; set; }
    /// <summary>Boot info net_ring: guest physical address of the network ring, 0 if none.</summary>
    public ulong NetRing { get; set; }

    /// <summary>Stops <paramref name="resource"/> when the guest has ended (in reverse order of registration).</summary>
    public void AtExit(System.IDisposable resource) => _atExit.Add(resource);

    public void Dispose()
    {
        for (int i = _atExit.Count - 1; i >= 0; i--)
            _atExit[i].Dispose();
        _atExit.Clear();
    }
}
