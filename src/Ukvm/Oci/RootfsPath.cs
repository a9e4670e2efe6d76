using System;
using System.Collections.Generic;
using System.IO;
using Ukvm.Core;

namespace Ukvm.Oci;

/// <summary>
/// Turns a path inside the container into a host path without letting the image escape its
/// root: the image is untrusted, and a symbolic link such as <c>/disk.img -&gt; /etc/shadow</c>
/// would otherwise hand a host file to the unikernel as a block device. Symbolic links are
/// followed as the container would see them, with "/" and ".." confined to the root (the
/// algorithm of runc's securejoin). Paths under a bind mount's destination (volumes) resolve
/// inside the mount's source instead.
/// </summary>
internal static class RootfsPath
{
    private const int MaxLinks = 255;

    /// <summary>The host path of <paramref name="containerPath"/>, and whether it lies on a read-only mount.</summary>
    public static (string HostPath, bool ReadOnly) Resolve(string rootfs, IReadOnlyList<SpecMount> mounts, string containerPath)
    {
        string clean = LaunchPlan.Normalize(containerPath);
        SpecMount? best = null;
        foreach (var m in mounts)
        {
            if (!m.IsBind || m.Source is null) continue;
            string dest = LaunchPlan.Normalize(m.Destination);
            bool under = clean == dest || dest == "/" || clean.StartsWith(dest + "/", StringComparison.Ordinal);
            if (under && (best is null || dest.Length > LaunchPlan.Normalize(best.Destination).Length)) best = m;
        }
        if (best is null) return (SecureJoin(rootfs, clean), false);
        string destination = LaunchPlan.Normalize(best.Destination);
        string rest = destination == "/" ? clean : clean[destination.Length..];
        // A volume may be a single file mounted at the path itself.
        if (rest.Length == 0 || rest == "/") return (best.Source!, best.ReadOnly);
        return (SecureJoin(best.Source!, rest), best.ReadOnly);
    }

    /// <summary><paramref name="unsafePath"/> joined to <paramref name="root"/>, every symbolic link resolved inside root.</summary>
    public static string SecureJoin(string root, string unsafePath)
    {
        root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        var pending = new Stack<string>();
        PushComponents(pending, unsafePath);
        var resolved = new List<string>();
        int links = 0;
        while (pending.Count > 0)
        {
            string c = pending.Pop();
            if (c.Length == 0 || c == ".") continue;
            if (c == "..")
            {
                if (resolved.Count > 0) resolved.RemoveAt(resolved.Count - 1);
                continue;
            }
            string candidate = root + "/" + string.Join('/', resolved) + (resolved.Count > 0 ? "/" : "") + c;
            string? target = null;
            try
            {
                // LinkTarget is readlink(2): null for anything but a symbolic link (or nothing).
                target = new FileInfo(candidate).LinkTarget;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new MonitorException($"cannot resolve '{unsafePath}' in {root}: {IoErrors.Describe(e)}");
            }
            if (target is null)
            {
                resolved.Add(c);
                continue;
            }
            if (++links > MaxLinks)
                throw new MonitorException($"cannot resolve '{unsafePath}' in {root}: too many levels of symbolic links");
            if (target.StartsWith('/')) resolved.Clear();
            PushComponents(pending, target);
        }
        return resolved.Count == 0 ? root : root + "/" + string.Join('/', resolved);
    }

    /// <summary>Pushes the components of <paramref name="path"/> so that the first is popped first.</summary>
    private static void PushComponents(Stack<string> stack, string path)
    {
        var parts = path.Split('/');
        for (int i = parts.Length - 1; i >= 0; i--) stack.Push(parts[i]);
    }
}
