using System;
using System.Collections.Generic;
using System.Formats.Tar;
using System.IO;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Ukvm.Core;

namespace Ukvm.Oci;

/// <summary>A blob of the layout: media type, "sha256:..." digest, size.</summary>
internal sealed record Descriptor(string MediaType, string Digest, long Size);

/// <summary>What went into an image: the descriptors, for tests and for pack's summary line.</summary>
internal sealed record PackedImage(string Name, Descriptor Manifest, Descriptor Config, Descriptor Layer, string DiffId);

/// <summary>
/// An OCI image layout (image-spec image-layout.md) in one tar, as <c>ctr images import</c>
/// takes it: <c>oci-layout</c>, <c>index.json</c>, and <c>blobs/sha256/</c> holding a config
/// (architecture, os linux, Entrypoint = the unikernel, Cmd = its arguments), a manifest and one
/// gzip layer with the unikernel and /ukvm.json. Deterministic: the same inputs give the same
/// digests (fixed timestamps and owners, entries in a fixed order).
/// </summary>
internal static class ImageLayout
{
    public const string ManifestType = "application/vnd.oci.image.manifest.v1+json",
        ConfigType = "application/vnd.oci.image.config.v1+json",
        LayerType = "application/vnd.oci.image.layer.v1.tar+gzip",
        IndexType = "application/vnd.oci.image.index.v1+json";

    /// <summary>Where a packed unikernel lives in the image.</summary>
    public const string KernelDir = "/unikernel";

    /// <summary>A file for the layer: its absolute path in the image and contents.</summary>
    public readonly record struct LayerFile(string Path, byte[] Contents, int Mode = 0b110_100_100);

    /// <summary>Writes the layout tar of <paramref name="files"/> (the kernel, /ukvm.json, extras) to <paramref name="output"/>.</summary>
    public static PackedImage Write(Stream output, string name, string architecture, IReadOnlyList<LayerFile> files,
        string kernelPath, IReadOnlyList<string> args)
    {
        byte[] layerTar = LayerTar(files);
        string diffId = Digest(layerTar);
        byte[] layer = Gzip(layerTar);
        var layerDesc = new Descriptor(LayerType, Digest(layer), layer.LongLength);

        byte[] config = ConfigJson(architecture, diffId, kernelPath, args);
        var configDesc = new Descriptor(ConfigType, Digest(config), config.LongLength);
        byte[] manifest = ManifestJson(configDesc, layerDesc, kernelPath);
        var manifestDesc = new Descriptor(ManifestType, Digest(manifest), manifest.LongLength);
        byte[] index = IndexJson(manifestDesc, name, architecture);

        using var tar = new TarWriter(output, TarEntryFormat.Ustar, leaveOpen: true);
        Add(tar, "oci-layout", Encoding.UTF8.GetBytes("{\"imageLayoutVersion\":\"1.0.0\"}"));
        Add(tar, "index.json", index);
        AddDirectory(tar, "blobs/");
        AddDirectory(tar, "blobs/sha256/");
        Add(tar, BlobPath(configDesc), config);
        Add(tar, BlobPath(layerDesc), layer);
        Add(tar, BlobPath(manifestDesc), manifest);
        return new PackedImage(name, manifestDesc, configDesc, layerDesc, diffId);
    }

    public static string BlobPath(Descriptor d) => "blobs/sha256/" + d.Digest["sha256:".Length..];

    /// <summary>"sha256:" and the lowercase hex SHA-256 of <paramref name="data"/>.</summary>
    public static string Digest(byte[] data) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(data));

    /// <summary>The uncompressed layer: parent directories first, then each file, paths relative ("unikernel/x.hvt").</summary>
    public static byte[] LayerTar(IReadOnlyList<LayerFile> files)
    {
        var buffer = new MemoryStream();
        using (var tar = new TarWriter(buffer, TarEntryFormat.Ustar, leaveOpen: true))
        {
            var dirs = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var f in files)
            {
                string rel = Relative(f.Path);
                for (int slash = rel.IndexOf('/'); slash > 0; slash = rel.IndexOf('/', slash + 1))
                    dirs.Add(rel[..(slash + 1)]);
            }
            foreach (var d in dirs) AddDirectory(tar, d);
            var sorted = new List<LayerFile>(files);
            sorted.Sort((a, b) => string.CompareOrdinal(Relative(a.Path), Relative(b.Path)));
            foreach (var f in sorted) Add(tar, Relative(f.Path), f.Contents, f.Mode);
        }
        return buffer.ToArray();
    }

    private static string Relative(string path)
    {
        string rel = path.TrimStart('/');
        if (rel.Length == 0 || Json.Has(rel.Split('/'), "..")) throw new MonitorException($"invalid path in the image: '{path}'");
        return rel;
    }

    /// <summary>gzip with no name and a zero timestamp in its header (System.IO.Compression writes neither).</summary>
    public static byte[] Gzip(byte[] data)
    {
        var buffer = new MemoryStream();
        using (var gz = new GZipStream(buffer, CompressionLevel.SmallestSize, leaveOpen: true)) gz.Write(data);
        return buffer.ToArray();
    }

    private static void Add(TarWriter tar, string name, byte[] data, int mode = 0b110_100_100)
    {
        var entry = new UstarTarEntry(TarEntryType.RegularFile, name)
        {
            DataStream = new MemoryStream(data, writable: false),
            ModificationTime = DateTimeOffset.UnixEpoch,
            Mode = (UnixFileMode)mode,
            Uid = 0, Gid = 0, UserName = "", GroupName = "",
        };
        tar.WriteEntry(entry);
    }

    private static void AddDirectory(TarWriter tar, string name) =>
        tar.WriteEntry(new UstarTarEntry(TarEntryType.Directory, name)
        {
            ModificationTime = DateTimeOffset.UnixEpoch,
            Mode = (UnixFileMode)0b111_101_101,
            Uid = 0, Gid = 0, UserName = "", GroupName = "",
        });

    private static byte[] ConfigJson(string architecture, string diffId, string kernelPath, IReadOnlyList<string> args)
    {
        return Write(w =>
        {
            w.WriteStartObject();
            w.WriteString("architecture", architecture);
            if (architecture == "arm64") w.WriteString("variant", "v8");
            w.WriteString("os", "linux");
            w.WriteStartObject("config");
            Json.WriteStrings(w, "Entrypoint", new[] { kernelPath });
            if (args.Count > 0) Json.WriteStrings(w, "Cmd", args);
            w.WriteStartObject("Labels");
            w.WriteString("org.ukvm.kernel", kernelPath);
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteStartObject("rootfs");
            w.WriteString("type", "layers");
            Json.WriteStrings(w, "diff_ids", new[] { diffId });
            w.WriteEndObject();
            w.WriteStartArray("history");
            w.WriteStartObject();
            w.WriteString("created_by", "ukvm pack");
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    private static byte[] ManifestJson(Descriptor config, Descriptor layer, string kernelPath) => Write(w =>
    {
        w.WriteStartObject();
        w.WriteNumber("schemaVersion", 2);
        w.WriteString("mediaType", ManifestType);
        w.WritePropertyName("config");
        WriteDescriptor(w, config);
        w.WriteStartArray("layers");
        WriteDescriptor(w, layer);
        w.WriteEndArray();
        w.WriteStartObject("annotations");
        w.WriteString("org.ukvm.kernel", kernelPath);
        w.WriteEndObject();
        w.WriteEndObject();
    });

    private static byte[] IndexJson(Descriptor manifest, string name, string architecture) => Write(w =>
    {
        w.WriteStartObject();
        w.WriteNumber("schemaVersion", 2);
        w.WriteString("mediaType", IndexType);
        w.WriteStartArray("manifests");
        w.WriteStartObject();
        w.WriteString("mediaType", manifest.MediaType);
        w.WriteString("digest", manifest.Digest);
        w.WriteNumber("size", manifest.Size);
        w.WriteStartObject("platform");
        w.WriteString("architecture", architecture);
        w.WriteString("os", "linux");
        w.WriteEndObject();
        w.WriteStartObject("annotations");
        // containerd names the imported image from this; the OCI ref name is the tag.
        w.WriteString("io.containerd.image.name", name);
        w.WriteString("org.opencontainers.image.ref.name", Reference.Tag(name));
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
    });

    private static void WriteDescriptor(Utf8JsonWriter w, Descriptor d)
    {
        w.WriteStartObject();
        w.WriteString("mediaType", d.MediaType);
        w.WriteString("digest", d.Digest);
        w.WriteNumber("size", d.Size);
        w.WriteEndObject();
    }

    private static byte[] Write(Action<Utf8JsonWriter> body)
    {
        var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, Json.CompactOptions)) body(w);
        return buffer.ToArray();
    }
}

/// <summary>Image names as containerd and Kubernetes spell them (the distribution reference grammar, simplified).</summary>
internal static class Reference
{
    /// <summary>"hello" → "docker.io/library/hello:latest"; "org/x:1" → "docker.io/org/x:1"; "reg.local/x" → "reg.local/x:latest".</summary>
    public static string Normalize(string name)
    {
        if (name.Length == 0 || name.Length > 255) throw Bad(name);
        foreach (char c in name)
            if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '_' or '-' or '/' or ':' or '@'))
                throw Bad(name);
        int slash = name.IndexOf('/');
        string first = slash < 0 ? "" : name[..slash];
        bool hasDomain = slash > 0 && (first.Contains('.') || first.Contains(':') || first == "localhost");
        string full = hasDomain ? name : slash < 0 ? "docker.io/library/" + name : "docker.io/" + name;
        int lastSlash = full.LastIndexOf('/');
        if (full.IndexOf(':', lastSlash + 1) < 0 && !full.Contains('@')) full += ":latest";
        return full;
    }

    /// <summary>The tag of a normalized name ("latest" of "docker.io/library/x:latest").</summary>
    public static string Tag(string normalized)
    {
        int colon = normalized.LastIndexOf(':');
        return colon > normalized.LastIndexOf('/') ? normalized[(colon + 1)..] : "latest";
    }

    private static MonitorException Bad(string name) =>
        new($"invalid image name '{name}': lowercase letters, digits, '.', '_', '-', '/' and one ':TAG'");
}
