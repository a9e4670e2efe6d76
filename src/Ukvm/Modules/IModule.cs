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

/// <summary>What modules get at setup: guest memory, the manifest, the hypercall table, the poll set.</summary>
internal sealed class MonitorContext
{
    public required GuestMemory Memory { get; init; }
    public required AppManifest Manifest { get; init; }
    public required HypercallTable Hypercalls { get; init; }
    public PollSet Poll { get; } = new();
    /// <summary>System calls the run loop needs: modules add the descriptors they use.</summary>
    public Security.SyscallPolicy Syscalls { get; init; } = new();
}
