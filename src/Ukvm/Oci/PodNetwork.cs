using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Ukvm.Core;

namespace Ukvm.Oci;

/// <summary>eth0 of a pod as CNI left it: the address the unikernel takes over.</summary>
internal sealed record PodInterface(string Name, string Mac, int Mtu, string? Address, int Prefix, string? Alias);

/// <summary>
/// The unikernel's network inside the container's network namespace. The runtime's create
/// enters the namespace on its main thread (setns(2) for a pod's path, unshare(2) for a new one)
/// and starts the monitor from that thread, so the monitor lives there too.
///
/// A pod's eth0 (a veth from CNI, holding the pod's IP) is connected to the unikernel's tap with
/// two tc mirred redirects: every frame arriving on eth0 leaves through the tap to the unikernel,
/// and every frame the unikernel sends leaves through eth0. The unikernel uses eth0's MAC and
/// the pod's IP, so to the rest of the cluster it is the pod. eth0 keeps its address (the
/// namespace's own stack never sees eth0's traffic, so it cannot answer for the unikernel), which
/// CNI's teardown and a restarted container still find there. No bridge, no MAC juggling, no
/// iptables. Classifier u32 "match u32 0 0" (every frame): available on every kernel with
/// CONFIG_NET_CLS_U32, where matchall (CONFIG_NET_CLS_MATCHALL) often is not.
/// </summary>
internal static class PodNetwork
{
    public const string PodInterfaceName = "eth0";
    /// <summary>eth0's ifalias records which container took the pod's address: "ukvm:ID TAP".</summary>
    private const string AliasPrefix = "ukvm:";

    /// <summary>Moves the calling thread (the process's main thread) into the container's network namespace.</summary>
    public static unsafe void Enter(NetworkMode mode, string? path)
    {
        if (mode == NetworkMode.Join)
        {
            int fd = Interop.Libc.open(path!, Native.O_RDONLY | Native.O_CLOEXEC, 0);
            if (fd < 0) throw MonitorException.FromErrno($"open network namespace {path}", Marshal.GetLastPInvokeError());
            int rc = Native.setns(fd, Native.CLONE_NEWNET);
            int errno = Marshal.GetLastPInvokeError();
            Interop.Libc.close(fd);
            if (rc < 0) throw MonitorException.FromErrno($"setns({path})", errno);
        }
        else if (mode == NetworkMode.New)
        {
            if (Native.unshare(Native.CLONE_NEWNET) < 0)
                throw MonitorException.FromErrno("unshare(CLONE_NEWNET)", Marshal.GetLastPInvokeError());
            Spawn.RunChecked("ip", "link", "set", "lo", "up");
        }
    }

    /// <summary>
    /// A tap name for <paramref name="device"/> of container <paramref name="id"/>: "uk" and 10 hex
    /// digits of an FNV-1a hash (IFNAMSIZ allows 15 characters; no cryptography library needed).
    /// </summary>
    public static string TapName(string id, string device)
    {
        ulong h = 14695981039346656037UL;
        foreach (byte b in Encoding.UTF8.GetBytes(id + "/" + device)) { h ^= b; h *= 1099511628211UL; }
        return "uk" + (h & 0xff_ffff_ffffUL).ToString("x10", System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Creates tap <paramref name="name"/> (persistent, for the monitor to attach) and sets it up.</summary>
    public static void CreateTap(string name, int mtu)
    {
        var existing = Spawn.Run("ip", "link", "show", "dev", name);
        if (existing.ExitCode == 0) Spawn.Run("ip", "link", "del", "dev", name);  // left over by a container that was not deleted
        Spawn.RunChecked("ip", "tuntap", "add", "dev", name, "mode", "tap");
        Spawn.RunChecked("ip", "link", "set", "dev", name, "mtu", mtu.ToString(System.Globalization.CultureInfo.InvariantCulture), "up");
    }

    /// <summary>eth0 and its IPv4 address in the current namespace, or null when there is no eth0.</summary>
    public static PodInterface? ReadPodInterface()
    {
        // -d: ifalias is among the details.
        var r = Spawn.Run("ip", "-j", "-d", "addr", "show", "dev", PodInterfaceName);
        return r.ExitCode == 0 ? ParseInterface(r.Stdout) : null;
    }

    /// <summary>The default IPv4 gateway in the current namespace, or null.</summary>
    public static string? ReadGateway()
    {
        var r = Spawn.Run("ip", "-j", "-4", "route", "show", "default");
        return r.ExitCode == 0 ? ParseGateway(r.Stdout) : null;
    }

    /// <summary>Parses <c>ip -j -d addr show dev IF</c>: MAC, MTU, the first global IPv4 address, ifalias.</summary>
    public static PodInterface? ParseInterface(string json)
    {
        using var doc = JsonDocument.Parse(json);
        if (doc.RootElement.ValueKind != JsonValueKind.Array || doc.RootElement.GetArrayLength() == 0) return null;
        var link = doc.RootElement[0];
        string name = Json.String(link, "ifname", "ifname") ?? "";
        string mac = Json.String(link, "address", "address") ?? "";
        int mtu = (int)(Json.Long(link, "mtu", "mtu") ?? 1500);
        string? alias = Json.String(link, "ifalias", "ifalias");
        string? address = null;
        int prefix = 0;
        if (link.TryGetProperty("addr_info", out var infos) && infos.ValueKind == JsonValueKind.Array)
            foreach (var a in infos.EnumerateArray())
                if (Json.String(a, "family", "family") == "inet" && (Json.String(a, "scope", "scope") ?? "global") == "global")
                {
                    address = Json.String(a, "local", "local");
                    prefix = (int)(Json.Long(a, "prefixlen", "prefixlen") ?? 32);
                    break;
                }
        return new PodInterface(name, mac, mtu, address, prefix, alias);
    }

    /// <summary>Parses <c>ip -j -4 route show default</c>: the first route's gateway.</summary>
    public static string? ParseGateway(string json)
    {
        using var doc = JsonDocument.Parse(json.Trim().Length == 0 ? "[]" : json);
        foreach (var route in doc.RootElement.EnumerateArray())
            if (Json.String(route, "gateway", "gateway") is string gw) return gw;
        return null;
    }

    /// <summary>The container that took the pod's address, from eth0's ifalias, or null.</summary>
    public static (string Id, string Tap)? ParseAlias(string? alias)
    {
        if (alias is null || !alias.StartsWith(AliasPrefix, StringComparison.Ordinal)) return null;
        var parts = alias[AliasPrefix.Length..].Split(' ');
        return parts.Length == 2 ? (parts[0], parts[1]) : null;
    }

    /// <summary>
    /// Connects eth0 and <paramref name="tap"/> both ways and marks eth0 as taken by
    /// <paramref name="id"/>. A previous owner's redirect (a container that ended without delete)
    /// is replaced; <paramref name="ownerRunning"/> refuses when that owner still runs.
    /// </summary>
    public static void Redirect(string id, PodInterface eth0, string tap, Func<string, bool> ownerRunning)
    {
        if (ParseAlias(eth0.Alias) is { } previous && previous.Id != id)
        {
            if (ownerRunning(previous.Id))
                throw new MonitorException($"the pod's network ({eth0.Name}, {eth0.Address}) is already used by unikernel container {previous.Id}");
            Spawn.Run("ip", "link", "del", "dev", previous.Tap);
        }
        Spawn.Run("tc", "qdisc", "del", "dev", eth0.Name, "ingress");
        Spawn.RunChecked("tc", "qdisc", "add", "dev", eth0.Name, "ingress");
        Spawn.RunChecked("tc", "filter", "add", "dev", eth0.Name, "parent", "ffff:", "protocol", "all",
            "u32", "match", "u32", "0", "0", "action", "mirred", "egress", "redirect", "dev", tap);
        Spawn.RunChecked("tc", "qdisc", "add", "dev", tap, "ingress");
        Spawn.RunChecked("tc", "filter", "add", "dev", tap, "parent", "ffff:", "protocol", "all",
            "u32", "match", "u32", "0", "0", "action", "mirred", "egress", "redirect", "dev", eth0.Name);
        Spawn.RunChecked("ip", "link", "set", "dev", eth0.Name, "alias", $"{AliasPrefix}{id} {tap}");
    }

    /// <summary>
    /// Removes what <see cref="Redirect"/> and <see cref="CreateTap"/> made, in the current
    /// namespace; best effort (the namespace may be half gone already).
    /// </summary>
    public static void Teardown(string id, IReadOnlyList<string> taps, string? redirected)
    {
        foreach (var tap in taps) Spawn.Run("ip", "link", "del", "dev", tap);
        if (redirected is null) return;
        var eth0 = ReadPodInterface();
        if (eth0 is null || ParseAlias(eth0.Alias) is not { } owner || owner.Id != id) return;
        Spawn.Run("tc", "qdisc", "del", "dev", redirected, "ingress");
        Spawn.Run("ip", "link", "set", "dev", redirected, "alias", "");
    }

    /// <summary>True when <paramref name="path"/> (a pod's namespace) still exists to be entered.</summary>
    public static bool Exists(string? path) => path is not null && File.Exists(path);
}
