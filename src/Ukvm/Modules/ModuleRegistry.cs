using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using Ukvm.Manifest;

namespace Ukvm.Modules;

/// <summary>
/// The modules built into this monitor binary. Each optional module sits behind a .NET feature
/// switch set at publish time (<c>-p:UkvmModules=block</c>); NativeAOT folds a switch that is
/// off to a constant and trims the module's code out of the binary (the uKVM idea: a monitor
/// specialized to what the unikernel needs).
/// </summary>
internal static class ModuleRegistry
{
    [FeatureSwitchDefinition("Ukvm.Modules.Block")]
    public static bool HasBlock => !AppContext.TryGetSwitch("Ukvm.Modules.Block", out bool on) || on;

    [FeatureSwitchDefinition("Ukvm.Modules.Net")]
    public static bool HasNet => !AppContext.TryGetSwitch("Ukvm.Modules.Net", out bool on) || on;

    /// <summary>Fresh module instances, the core first.</summary>
    public static List<IModule> Create()
    {
        var modules = new List<IModule> { new CoreModule() };
        if (HasBlock) modules.Add(new Block.BlockModule());
        if (HasNet) modules.Add(new Net.NetModule());
        return modules;
    }

    /// <summary>Why an option was not taken: a module this binary lacks, or null.</summary>
    public static string? MissingModuleFor(string option)
    {
        if (!HasBlock && option.StartsWith("--block", StringComparison.Ordinal))
            return "block";
        if (!HasNet && option.StartsWith("--net", StringComparison.Ordinal))
            return "net";
        return null;
    }

    /// <summary>How to attach a device of this type, for error messages.</summary>
    public static string AttachHint(ManifestEntry device) => device.Type switch
    {
        DeviceType.BlockBasic when !HasBlock => "it needs the block module, which this ukvm binary was built without",
        DeviceType.NetBasic when !HasNet => "it needs the net module, which this ukvm binary was built without",
        DeviceType.BlockBasic => $"use --block:{device.Name}=PATH",
        DeviceType.NetBasic => $"use --net:{device.Name}=TAP",
        _ => "unknown device type",
    };
}
