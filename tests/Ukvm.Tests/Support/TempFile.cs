namespace Ukvm.Tests.Support;

/// <summary>A file under the temp directory, deleted when disposed.</summary>
internal sealed class TempFile : IDisposable
{
    public string Path { get; }

    public TempFile(byte[] contents, string suffix = ".hvt")
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"ukvm-test-{Guid.NewGuid():N}{suffix}");
        File.WriteAllBytes(Path, contents);
    }

    public TempFile(string text, string suffix) : this(System.Text.Encoding.UTF8.GetBytes(text), suffix) { }

    public void Dispose()
    {
        try { File.Delete(Path); } catch (IOException) { }
    }
}
