using System;
using System.Collections.Generic;
using Ukvm.Core;
using Ukvm.Manifest;

namespace Ukvm.Modules;

/// <summary>
/// Parses <c>--PREFIX:NAME=VALUE</c> device options (solo5-hvt's form) and resolves NAME
/// against the manifest: the manifest is the single source of truth for devices.
/// </summary>
internal sealed class DeviceOptions
{
    private readonly string _prefix;
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    /// <param name="prefix">e.g. "--block:"</param>
    public DeviceOptions(string prefix) => _prefix = prefix;

    public IReadOnlyDictionary<string, string> Values => _values;

    /// <summary>Consumes <paramref name="arg"/> when it starts with the prefix; throws when malformed or repeated.</summary>
    public bool TryAdd(string arg)
    {
        if (!arg.StartsWith(_prefix, StringComparison.Ordinal))
            return false;
        string rest = arg[_prefix.Length..];
        int eq = rest.IndexOf('=');
        if (eq <= 0 || eq == rest.Length - 1)
            throw new MonitorException($"malformed option '{arg}': expected {_prefix}NAME=VALUE");
        string name = rest[..eq];
        if (!AppManifest.IsValidName(name))
            throw new MonitorException($"malformed option '{arg}': device name must be 1 to {AppManifest.MaxNameLength} letters and digits");
        if (!_values.TryAdd(name, rest[(eq + 1)..]))
            throw new MonitorException($"option {_prefix}{name}= given twice");
        return true;
    }

    /// <summary>The manifest device each option names, checked to exist with the expected type.</summary>
    public IEnumerable<(ManifestEntry Device, string Value)> Resolve(AppManifest manifest, DeviceType type)
    {
        foreach (var (name, value) in _values)
        {
            var device = manifest.Find(name)
                ?? throw new MonitorException($"{_prefix}{name}: the unikernel's manifest declares no device '{name}'");
            if (device.Type != type)
                throw new MonitorException($"{_prefix}{name}: device '{name}' is {device.TypeName}, not {TypeName(type)}");
            yield return (device, value);
        }
    }

    /// <summary>Refuses settings (e.g. --net-mac:NAME) for names that no attaching option names.</summary>
    public void CheckAllAttachedBy(params DeviceOptions[] attaching)
    {
        foreach (var name in _values.Keys)
            if (!Array.Exists(attaching, a => a._values.ContainsKey(name)))
                throw new MonitorException($"{_prefix}{name}= given, but no {attaching[0]._prefix}{name}= attaches that device");
    }

    private static string TypeName(DeviceType t) => t == DeviceType.BlockBasic ? "BLOCK_BASIC" : "NET_BASIC";
}
