using Ukvm.Tests.Support;

namespace Ukvm.Tests.Oci;

/// <summary>Bundles, root filesystems and kernels for the runtime's tests, in a temporary directory removed on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("ukvm-oci-test-").FullName;

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    /// <summary>Writes <paramref name="contents"/> at PATH/<paramref name="relative"/>, making its directories.</summary>
    public string Write(string relative, byte[] contents)
    {
        string file = Combine(relative.TrimStart('/'));
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(file)!);
        File.WriteAllBytes(file, contents);
        return file;
    }

    public string Write(string relative, string text) => Write(relative, System.Text.Encoding.UTF8.GetBytes(text));

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}

internal static class OciFixtures
{
    /// <summary>A valid x86_64 unikernel image whose manifest declares <paramref name="devices"/>.</summary>
    public static byte[] Kernel(params (string Name, uint Type)[] devices) =>
        new ElfBuilder()
            .Load(ElfBuilder.Base, new byte[] { 0xf4 }, ElfBuilder.PF_R | ElfBuilder.PF_X)
            .Note(ElfNotes.Abi1())
            .Note(ElfNotes.Mft1(ManifestBytes.Build(devices)))
            .Build();

    /// <summary>A config.json with the given process args, annotations (JSON object body), mounts (JSON array body) and namespaces.</summary>
    public static string Spec(string args = "\"/unikernel/k.hvt\"", string annotations = "", string mounts = "", string namespaces = "{\"type\":\"network\"}",
        string root = "{\"path\":\"rootfs\"}") =>
        $"{{\"ociVersion\":\"1.0.2\",\"process\":{{\"terminal\":false,\"args\":[{args}],\"cwd\":\"/\"}},\"root\":{root}," +
        $"\"mounts\":[{mounts}],\"annotations\":{{{annotations}}},\"linux\":{{\"namespaces\":[{namespaces}]}}}}";
}
