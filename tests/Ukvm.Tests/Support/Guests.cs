namespace Ukvm.Tests.Support;

/// <summary>The SDK's test unikernels under out/guest/x86_64, and the skip rule for booting them.</summary>
internal static class Guests
{
    public static string Dir => Path.Combine(Repo.Root, "out", "guest", "x86_64");

    /// <summary>The image for test <paramref name="name"/>; a clear failure when it was not built.</summary>
    public static string Image(string name)
    {
        string path = Path.Combine(Dir, name + ".hvt");
        if (!File.Exists(path))
            throw new InvalidOperationException($"{path} does not exist: run ./build.sh first");
        return path;
    }

    /// <summary>Skips, loudly and with the reason, when this machine cannot boot guests.</summary>
    public static void RequireKvm() =>
        Skip.IfNot(File.Exists("/dev/kvm"), "/dev/kvm is absent: tests that boot guests need KVM");

    /// <summary>A sparse file of <paramref name="bytes"/> bytes, deleted on dispose.</summary>
    public static TempFile Disk(long bytes)
    {
        var f = new TempFile(Array.Empty<byte>(), ".img");
        using (var s = File.OpenWrite(f.Path)) s.SetLength(bytes);
        return f;
    }
}
