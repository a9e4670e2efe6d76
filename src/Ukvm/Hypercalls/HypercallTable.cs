using System;
using Ukvm.Abi;
using Ukvm.Core;

namespace Ukvm.Hypercalls;

/// <summary>What a hypercall did: the guest goes on, or it halted with a status.</summary>
internal readonly record struct HypercallOutcome(bool Halted, int ExitStatus)
{
    public static readonly HypercallOutcome Continue = new(false, 0);
    public static HypercallOutcome Halt(int status) => new(true, status);
}

/// <summary>Handles one hypercall whose argument struct is at guest physical address gpa.</summary>
internal delegate HypercallOutcome HypercallHandler(ulong gpa);

/// <summary>
/// The fixed hypercall table. Modules register their numbers at setup; a number registered
/// twice is a monitor bug and fails loudly; a number nobody registered ends the guest.
/// </summary>
internal sealed class HypercallTable
{
    private readonly HypercallHandler?[] _handlers = new HypercallHandler?[HvtAbi.HypercallMax];

    public void Register(int nr, HypercallHandler handler)
    {
        if (nr <= 0 || nr >= HvtAbi.HypercallMax)
            throw new InvalidOperationException($"hypercall {nr} is out of range");
        if (_handlers[nr] is not null)
            throw new InvalidOperationException($"hypercall {HvtAbi.HypercallName(nr)} registered twice");
        _handlers[nr] = handler;
    }

    public bool IsRegistered(int nr) => nr > 0 && nr < HvtAbi.HypercallMax && _handlers[nr] is not null;

    /// <summary>Runs hypercall <paramref name="nr"/>; unknown or disabled numbers are a guest fault.</summary>
    public HypercallOutcome Dispatch(int nr, ulong gpa)
    {
        var handler = (uint)nr < (uint)_handlers.Length ? _handlers[nr] : null;
        if (handler is null)
            throw new GuestFaultException($"invalid guest hypercall: number {nr} ({HvtAbi.HypercallName(nr)}) is not enabled");
        return handler(gpa);
    }
}
