using System.Collections.Generic;
using Ukvm.Manifest;

namespace Ukvm.Modules;

/// <summary>The modules built into this monitor binary.</summary>
internal static class ModuleRegistry
{
    /// <summary>Fresh module instances, the core first.</summary>
    public static List<IModule> Create() => new() { new CoreModule() };

    /// <summary>How to attach a device of this type, for error messages.</summary>
    public static string AttachHint(ManifestEntry device) => device.Type switch
    {
        DeviceType.BlockBasic => $"use --block:{device.Name}=PATH",
        DeviceType.NetBasic => $"use --net:{device.Name}=TAP",
        _ => "unknown device type",
    };
}
