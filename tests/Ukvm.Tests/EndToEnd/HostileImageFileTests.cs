using System.Diagnostics;
using Ukvm.Tests.Support;

namespace Ukvm.Tests.EndToEnd;

/// <summary>
/// The image FILE as an attacker would hand it over (what the bytes say is the fuzzers' part,
/// tests/Ukvm.Tests/Fuzz): not a regular file, or changed while the monitor reads it. The monitor
/// must end with one line and status 1 (or boot what it read), never hang or die of a signal.
/// </summary>
public class HostileImageFileTests
{
    [SkippableFact]
    public void AFifoAsKernelDoesNotHang()
    {
        string fifo = Path.Combine(Path.GetTempPath(), $"ukvm-kfifo-{Guid.NewGuid():N}");
        var mk = UkvmRun.Exec("mkfifo", new[] { fifo }, TimeSpan.FromSeconds(10));
        Skip.If(mk.ExitCode != 0, "mkfifo is not available");
        try
        {
            // Nobody ever writes to the FIFO: a blocking open(O_RDONLY) would wait for a writer forever.
            var r = UkvmRun.Exec(Repo.Monitor, new[] { "--mem=4", fifo }, TimeSpan.FromSeconds(5));
            r.AssertOneLineFailure($"cannot read unikernel '{fifo}'");
        }
        finally
        {
            File.Delete(fifo);
        }
    }

    [Theory]
    [InlineData("/dev/zero", "invalid unikernel image: not an ELF file")]
    [InlineData("/dev/null", "invalid unikernel image: not an ELF file")]
    [InlineData("/proc/self/status", "cannot read unikernel '/proc/self/status'")]
    [InlineData("/dev/null/x", "cannot read unikernel '/dev/null/x': Not a directory")]
    public void SpecialFilesAsKernel(string path, string message) =>
        UkvmRun.Start("--mem=4", path).AssertOneLineFailure(message);

    /// <summary>A valid image whose writable segment is <paramref name="big"/> bytes read from a sparse tail of the file.</summary>
    private static TempFile BigImage(ulong big)
    {
        const ulong bigOffset = 0x10000;
        var b = ElfBuilder.Minimal(new byte[] { 0xf4 });
        b.Segments.Add(new ElfBuilder.Segment
        {
            Type = ElfBuilder.PT_LOAD, Flags = ElfBuilder.PF_R | ElfBuilder.PF_W, VAddr = 0x200000, PAddr = 0x200000,
            MemSize = big, FileSize = big, Offset = bigOffset,
        });
        var f = new TempFile(b.Build());
        using (var s = File.OpenWrite(f.Path)) s.SetLength((long)(bigOffset + big));
        return f;
    }

    [SkippableFact]
    public void AnImageTruncatedWhileLoadingIsNotABusError()
    {
        // The monitor maps the image (MAP_PRIVATE) and copies a 500 MB segment out of it; the file is
        // cut to 8 KiB meanwhile. Reading past the new end of a mapping is SIGBUS. A monitor that read
        // the file instead sees a short read (one line, status 1) or boots what it read (the guest here
        // is one hlt: status 1 too). A race: each try truncates at a different moment.
        Kvm.Require();
        var statuses = new List<int>();
        for (int i = 0; i < 4; i++)
        {
            using var image = BigImage(500UL << 20);
            var psi = new ProcessStartInfo(Repo.Monitor) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var a in new[] { "--mem=1024", image.Path }) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            var err = p.StandardError.ReadToEndAsync();
            var _ = p.StandardOutput.ReadToEndAsync();
            Thread.Sleep(15 + 20 * i);
            using (var s = new FileStream(image.Path, FileMode.Open, FileAccess.Write)) s.SetLength(8192);
            if (!p.WaitForExit(30_000)) { p.Kill(); Assert.Fail("the monitor did not end within 30 s"); }
            statuses.Add(p.ExitCode);
            Assert.True(p.ExitCode is 1 or 135, $"status {p.ExitCode}: {err.Result}");
        }
        // A file mapped rather than read gave SIGBUS (status 135, no message) here.
        Assert.DoesNotContain(135, statuses);
    }
}
