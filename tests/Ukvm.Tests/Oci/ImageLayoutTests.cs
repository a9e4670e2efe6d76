using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Ukvm.Core;
using Ukvm.Oci;

namespace Ukvm.Tests.Oci;

/// <summary>ukvm pack's OCI image layout: the blobs chain up by digest, the layer holds the unikernel and /ukvm.json, same input same digests.</summary>
public class ImageLayoutTests
{
    private static readonly byte[] Kernel = OciFixtures.Kernel();

    private static (PackedImage Packed, Dictionary<string, byte[]> Files) Pack(string name = "docker.io/library/hello:1", string[]? args = null)
    {
        var config = new ImageConfig { Kernel = "/unikernel/hello.hvt", MemoryMb = 16, Args = args ?? new[] { "a", "b" } };
        var files = new[]
        {
            new ImageLayout.LayerFile("/ukvm.json", Encoding.UTF8.GetBytes(config.ToJson())),
            new ImageLayout.LayerFile("/unikernel/hello.hvt", Kernel, 0b111_101_101),
        };
        var output = new MemoryStream();
        var packed = ImageLayout.Write(output, name, "amd64", files, "/unikernel/hello.hvt", config.Args);
        return (packed, ReadTar(output.ToArray()));
    }

    private static Dictionary<string, byte[]> ReadTar(byte[] tar)
    {
        var files = new Dictionary<string, byte[]>();
        using var reader = new TarReader(new MemoryStream(tar));
        while (reader.GetNextEntry() is TarEntry e)
        {
            var data = new MemoryStream();
            e.DataStream?.CopyTo(data);
            files[e.Name] = data.ToArray();
            Assert.Equal(0, e.Uid);
            Assert.Equal(DateTimeOffset.UnixEpoch, e.ModificationTime);
        }
        return files;
    }

    private static string Sha(byte[] b) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(b));

    private static byte[] Blob(Dictionary<string, byte[]> files, string digest)
    {
        var b = files["blobs/sha256/" + digest["sha256:".Length..]];
        Assert.Equal(digest, Sha(b));  // every blob is named by its content
        return b;
    }

    [Fact]
    public void LayoutChainsByDigest()
    {
        var (packed, files) = Pack();
        Assert.Equal("{\"imageLayoutVersion\":\"1.0.0\"}", Encoding.UTF8.GetString(files["oci-layout"]));
        using var index = JsonDocument.Parse(files["index.json"]);
        var m = index.RootElement.GetProperty("manifests")[0];
        Assert.Equal(packed.Manifest.Digest, m.GetProperty("digest").GetString());
        Assert.Equal("amd64", m.GetProperty("platform").GetProperty("architecture").GetString());
        Assert.Equal("linux", m.GetProperty("platform").GetProperty("os").GetString());
        Assert.Equal("docker.io/library/hello:1", m.GetProperty("annotations").GetProperty("io.containerd.image.name").GetString());
        Assert.Equal("1", m.GetProperty("annotations").GetProperty("org.opencontainers.image.ref.name").GetString());

        var manifestBytes = Blob(files, packed.Manifest.Digest);
        Assert.Equal(packed.Manifest.Size, manifestBytes.Length);
        using var manifest = JsonDocument.Parse(manifestBytes);
        Assert.Equal(2, manifest.RootElement.GetProperty("schemaVersion").GetInt32());
        var configDesc = manifest.RootElement.GetProperty("config");
        Assert.Equal(ImageLayout.ConfigType, configDesc.GetProperty("mediaType").GetString());
        var layerDesc = manifest.RootElement.GetProperty("layers")[0];
        Assert.Equal(ImageLayout.LayerType, layerDesc.GetProperty("mediaType").GetString());

        using var config = JsonDocument.Parse(Blob(files, configDesc.GetProperty("digest").GetString()!));
        var c = config.RootElement;
        Assert.Equal("amd64", c.GetProperty("architecture").GetString());
        Assert.Equal("linux", c.GetProperty("os").GetString());
        Assert.Equal("/unikernel/hello.hvt", c.GetProperty("config").GetProperty("Entrypoint")[0].GetString());
        Assert.Equal("b", c.GetProperty("config").GetProperty("Cmd")[1].GetString());

        var layerGz = Blob(files, layerDesc.GetProperty("digest").GetString()!);
        Assert.Equal(layerDesc.GetProperty("size").GetInt64(), layerGz.Length);
        var layerTar = new MemoryStream();
        using (var gz = new GZipStream(new MemoryStream(layerGz), CompressionMode.Decompress)) gz.CopyTo(layerTar);
        Assert.Equal(c.GetProperty("rootfs").GetProperty("diff_ids")[0].GetString(), Sha(layerTar.ToArray()));
        Assert.Equal(packed.DiffId, Sha(layerTar.ToArray()));

        var layer = ReadTar(layerTar.ToArray());
        Assert.Equal(new[] { "ukvm.json", "unikernel/", "unikernel/hello.hvt" }, layer.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(Kernel, layer["unikernel/hello.hvt"]);
        Assert.Equal("/unikernel/hello.hvt", ImageConfig.Parse(Encoding.UTF8.GetString(layer["ukvm.json"]), "x").Kernel);
    }

    [Fact]
    public void NoArgsNoCmd()
    {
        var (packed, files) = Pack(args: Array.Empty<string>());
        using var config = JsonDocument.Parse(Blob(files, packed.Config.Digest));
        Assert.False(config.RootElement.GetProperty("config").TryGetProperty("Cmd", out _));
    }

    [Fact]
    public void Deterministic()
    {
        Assert.Equal(Pack().Packed.Manifest.Digest, Pack().Packed.Manifest.Digest);
        Assert.NotEqual(Pack().Packed.Manifest.Digest, Pack(args: new[] { "c" }).Packed.Manifest.Digest);
    }

    [Fact]
    public void RefusesPathsOutsideTheImage()
    {
        var e = Assert.Throws<MonitorException>(() => ImageLayout.LayerTar(new[] { new ImageLayout.LayerFile("/a/../../etc/x", new byte[1]) }));
        Assert.Contains("invalid path in the image", e.Message);
    }

    [Theory]
    [InlineData("hello", "docker.io/library/hello:latest")]
    [InlineData("hello:1", "docker.io/library/hello:1")]
    [InlineData("org/hello", "docker.io/org/hello:latest")]
    [InlineData("ukvm.test/hello:1", "ukvm.test/hello:1")]
    [InlineData("localhost/a/b", "localhost/a/b:latest")]
    [InlineData("reg:5000/a", "reg:5000/a:latest")]
    [InlineData("reg:5000/a:v2", "reg:5000/a:v2")]
    public void NormalizesNames(string name, string full)
    {
        Assert.Equal(full, Reference.Normalize(name));
        Assert.Equal(full[(full.LastIndexOf(':') + 1)..], Reference.Tag(full));
    }

    [Theory]
    [InlineData("")]
    [InlineData("Hello")]
    [InlineData("a b")]
    public void RejectsNames(string name) => Assert.Throws<MonitorException>(() => Reference.Normalize(name));
}
