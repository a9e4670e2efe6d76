using Ukvm.Tests.Support;

namespace Ukvm.Tests.EndToEnd;

/// <summary>
/// Every malformed option, size, MAC, path and device name the real out/ukvm binary takes on its
/// command line: each is status 1 with exactly one "ukvm: " line on stderr naming the problem, no
/// stack trace, and nothing left running. Options are parsed before the image is read, so the
/// parse-time cases need no KVM; the ones checked when devices are attached boot nothing but open
/// /dev/kvm first, and the net ones run in a private network namespace.
/// </summary>
public class CliHostileInputTests
{
    private const string NoKernel = "/nonexistent/k.hvt";
    private static readonly string Name67 = new('a', 67), Name68 = new('a', 68), Name1000 = new('n', 1000);

    private static UkvmRun Parse(params string[] options) => UkvmRun.Start(options.Append(NoKernel).ToArray());

    // ---- --mem= ----

    [Theory]
    [InlineData("--mem=4M", "malformed --mem value '4M'")]
    [InlineData("--mem=4MB", "malformed --mem value '4MB'")]
    [InlineData("--mem=0x10", "malformed --mem value '0x10'")]
    [InlineData("--mem= 4", "malformed --mem value ' 4'")]
    [InlineData("--mem=4 ", "malformed --mem value '4 '")]
    [InlineData("--mem=+4", "malformed --mem value '+4'")]
    [InlineData("--mem=4.0", "malformed --mem value '4.0'")]
    [InlineData("--mem=1e3", "malformed --mem value '1e3'")]
    [InlineData("--mem=٤", "malformed --mem value '٤'")]
    [InlineData("--mem=12345678", "malformed --mem value '12345678'")]
    [InlineData("--mem=18446744073709551616", "malformed --mem value '18446744073709551616'")]
    [InlineData("--mem=00000000", "malformed --mem value '00000000'")]
    [InlineData("--mem==4", "malformed --mem value '=4'")]
    [InlineData("--mem=1025", "guest memory of 1025 MB exceeds the maximum of 1024 MB")]
    [InlineData("--mem=9999999", "guest memory of 9999999 MB exceeds the maximum of 1024 MB")]
    public void MalformedMemory(string option, string message) => Parse(option).AssertOneLineFailure(message);

    [Fact]
    public void RepeatedMemoryWithOneBadValueIsRefused()
    {
        Parse("--mem=4", "--mem=abc").AssertOneLineFailure("malformed --mem value 'abc'");
        Parse("--mem=abc", "--mem=4").AssertOneLineFailure("malformed --mem value 'abc'");
    }

    [Theory]
    [InlineData("--mem")]
    [InlineData("--mem:4")]
    [InlineData("--memory=4")]
    [InlineData("-m")]
    public void MemoryWithoutEqualsIsUnknown(string option) =>
        Parse(option, "16").AssertOneLineFailure($"unknown option '{option}' (see ukvm --help)");

    // ---- Device options: the parse-time forms, the same for each prefix ----

    public static TheoryData<string, string> MalformedDeviceOptions()
    {
        var d = new TheoryData<string, string>();
        foreach (var prefix in new[] { "--block:", "--block-ro:", "--block-sector-size:", "--net:", "--net-mac:" })
        {
            string expected = $"expected {prefix}NAME=VALUE";
            d.Add(prefix, expected);                    // nothing
            d.Add(prefix + "=x", expected);             // empty name
            d.Add(prefix + "==", expected);
            d.Add(prefix + "storage", expected);        // '=' missing
            d.Add(prefix + "storage=", expected);       // value missing
            string name = "device name must be 1 to 67 letters and digits";
            d.Add(prefix + "a-b=x", name);
            d.Add(prefix + "a b=x", name);
            d.Add(prefix + "a.b=x", name);
            d.Add(prefix + "a_b=x", name);
            d.Add(prefix + "a/b=x", name);
            d.Add(prefix + "stöörage=x", name);
            d.Add(prefix + "ｓｔｏｒａｇｅ=x", name);       // fullwidth letters
            d.Add(prefix + Name68 + "=x", name);
            d.Add(prefix + Name1000 + "=x", name);
        }
        return d;
    }

    [Theory]
    [MemberData(nameof(MalformedDeviceOptions))]
    public void MalformedDeviceOption(string option, string message)
    {
        var r = Parse(option);
        r.AssertOneLineFailure(message);
        Assert.Contains($"'{option}'", r.Stderr);
    }

    [Theory]
    [InlineData("--block:storage=a", "--block:storage=b", "option --block:storage= given twice")]
    [InlineData("--block-ro:storage=a", "--block-ro:storage=a", "option --block-ro:storage= given twice")]
    [InlineData("--block-sector-size:storage=512", "--block-sector-size:storage=4096", "option --block-sector-size:storage= given twice")]
    [InlineData("--net:service0=tap0", "--net:service0=tap1", "option --net:service0= given twice")]
    [InlineData("--net-mac:service0=02:00:00:00:00:01", "--net-mac:service0=02:00:00:00:00:01", "option --net-mac:service0= given twice")]
    public void RepeatedDeviceOption(string first, string second, string message) => Parse(first, second).AssertOneLineFailure(message);

    [Theory]
    [InlineData("--block")]
    [InlineData("--block-ro")]
    [InlineData("--block-sector-size")]
    [InlineData("--block-sector-size=512")]
    [InlineData("--net")]
    [InlineData("--net-mac")]
    [InlineData("--net=tap0")]
    [InlineData("--blocks:storage=x")]
    [InlineData("--Block:storage=x")]
    [InlineData("--BLOCK:storage=x")]
    [InlineData("--block_ro:storage=x")]
    [InlineData("--netmac:service0=02:00:00:00:00:01")]
    [InlineData("---block:storage=x")]
    [InlineData("-block:storage=x")]
    [InlineData("--=x")]
    [InlineData("--solo5:quiet")]
    [InlineData("--versions")]
    [InlineData("--help=1")]
    public void UnknownOption(string option) => Parse(option).AssertOneLineFailure($"unknown option '{option}' (see ukvm --help)");

    [Fact]
    public void OptionsAfterTheKernelAreTheGuestsNotTheMonitors()
    {
        // Only the image's absence is reported: '--bogus' after KERNEL is a guest argument.
        UkvmRun.Start(NoKernel, "--bogus", "--block:=").AssertOneLineFailure($"cannot read unikernel '{NoKernel}'");
    }

    // ---- Checked when devices are attached (these open /dev/kvm, boot nothing) ----

    [SkippableFact]
    public void ValidNameTheManifestLacks()
    {
        Kvm.Require();
        using var disk = Guests.Disk(1 << 20);
        UkvmRun.Start($"--block:{Name67}={disk.Path}", Guests.Image("blk"))
            .AssertOneLineFailure($"--block:{Name67}: the unikernel's manifest declares no device '{Name67}'");
        UkvmRun.Start($"--net:{Name67}=tap0", Guests.Image("hello"))
            .AssertOneLineFailure($"--net:{Name67}: the unikernel's manifest declares no device '{Name67}'");
    }

    [SkippableTheory]
    [InlineData("Storage")]   // names are case-sensitive
    [InlineData("storage0")]
    [InlineData("stor")]
    public void NearlyTheRightName(string name)
    {
        Kvm.Require();
        using var disk = Guests.Disk(1 << 20);
        UkvmRun.Start($"--block:storage={disk.Path}", $"--block:{name}={disk.Path}", Guests.Image("blk"))
            .AssertOneLineFailure($"declares no device '{name}'");
    }

    [SkippableFact]
    public void WrongDeviceTypes()
    {
        Kvm.Require();
        using var disk = Guests.Disk(1 << 20);
        UkvmRun.Start("--net:storage=tap0", Guests.Image("blk"))
            .AssertOneLineFailure("--net:storage: device 'storage' is BLOCK_BASIC, not NET_BASIC");
        UkvmRun.Start($"--block-ro:service0={disk.Path}", Guests.Image("net"))
            .AssertOneLineFailure("--block-ro:service0: device 'service0' is NET_BASIC, not BLOCK_BASIC");
    }

    [SkippableFact]
    public void BlockAndBlockRoForTheSameDevice()
    {
        Kvm.Require();
        using var disk = Guests.Disk(1 << 20);
        UkvmRun.Start($"--block:storage={disk.Path}", $"--block-ro:storage={disk.Path}", Guests.Image("blk"))
            .AssertOneLineFailure("block device 'storage' attached twice");
    }

    [SkippableTheory]
    [InlineData("0")]
    [InlineData("1")]
    [InlineData("511")]
    [InlineData("513")]
    [InlineData("768")]
    [InlineData("1000")]
    [InlineData("65536")]
    [InlineData("-512")]
    [InlineData("+512")]
    [InlineData(" 512")]
    [InlineData("512 ")]
    [InlineData("0x200")]
    [InlineData("512.0")]
    [InlineData("5e2")]
    [InlineData("4k")]
    [InlineData("99999999999")]
    [InlineData("4294967808")] // 2^32 + 512
    [InlineData("٥١٢")]
    public void BadSectorSize(string value)
    {
        Kvm.Require();
        using var disk = Guests.Disk(1 << 20);
        UkvmRun.Start($"--block:storage={disk.Path}", $"--block-sector-size:storage={value}", Guests.Image("blk"))
            .AssertOneLineFailure($"--block-sector-size:storage={value}: expected a power of two from 512 to 32768");
    }

    [SkippableFact]
    public void SectorSizeLargerThanTheFile()
    {
        Kvm.Require();
        using var disk = Guests.Disk(4096);
        UkvmRun.Start($"--block:storage={disk.Path}", "--block-sector-size:storage=8192", Guests.Image("blk"))
            .AssertOneLineFailure("is too small (4096 bytes, at least one 8192-byte block)");
    }

    [SkippableTheory]
    [InlineData("--block-sector-size:storage=4096", "--block-sector-size:storage= given, but no --block:storage= attaches that device")]
    [InlineData("--net-mac:service0=02:00:00:00:00:01", "--net-mac:service0= given, but no --net:service0= attaches that device")]
    public void SettingForADeviceNothingAttaches(string option, string message)
    {
        Kvm.Require();
        UkvmRun.Start(option, Guests.Image("hostile")).AssertOneLineFailure(message);
    }

    [SkippableTheory]
    [InlineData("/nonexistent/disk.img", "cannot open '/nonexistent/disk.img': No such file or directory")]
    [InlineData("/tmp", "cannot open '/tmp': Is a directory")]
    [InlineData("/dev/null", "'/dev/null' is too small (0 bytes")]
    [InlineData("relative/missing.img", "cannot open 'relative/missing.img': No such file or directory")]
    [InlineData("/dev/null/x", "cannot open '/dev/null/x': Not a directory")]
    public void BadBlockPaths(string path, string message)
    {
        Kvm.Require();
        UkvmRun.Start($"--block:storage={path}", Guests.Image("blk")).AssertOneLineFailure(message);
    }

    [SkippableFact]
    public void BlockPathIsAFifo()
    {
        Kvm.Require();
        string fifo = Path.Combine(Path.GetTempPath(), $"ukvm-fifo-{Guid.NewGuid():N}");
        var mk = UkvmRun.Exec("mkfifo", new[] { fifo }, TimeSpan.FromSeconds(10));
        Skip.If(mk.ExitCode != 0, "mkfifo is not available");
        try
        {
            UkvmRun.Start($"--block:storage={fifo}", Guests.Image("blk")).AssertOneLineFailure($"block device 'storage': cannot size '{fifo}'");
        }
        finally
        {
            File.Delete(fifo);
        }
    }

    [SkippableFact]
    public void BlockPathWithAnEqualsSignIsAPath()
    {
        // Only the first '=' separates NAME from PATH.
        Kvm.Require();
        UkvmRun.Start("--block:storage=/nonexistent/a=b", Guests.Image("blk")).AssertOneLineFailure("cannot open '/nonexistent/a=b'");
    }

    [SkippableTheory]
    [InlineData("nosuchtap0", "no interface 'nosuchtap0'")]
    [InlineData("abcdefghijklmnop", "'abcdefghijklmnop' is not a valid interface name")] // 16 characters: IFNAMSIZ is 16 with the NUL
    [InlineData("a/b", "'a/b' is not a valid interface name")]
    [InlineData("lo", "'lo' is not a tap interface")]
    public void BadTaps(string tap, string message)
    {
        NetNamespace.Require();
        using var ns = new NetNamespace();
        ns.Exec(UkvmRun.DefaultTimeout, Repo.Monitor, $"--net:service0={tap}", Guests.Image("net_mtu"))
            .AssertOneLineFailure($"net device 'service0': {message}");
    }

    [SkippableTheory]
    [InlineData("zz:00:00:00:00:01")]
    [InlineData("02:00:00:00:00")]
    [InlineData("02:00:00:00:00:01:02")]
    [InlineData("02-00-00-00-00-01")]
    [InlineData("0200.0000.0001")]
    [InlineData("020000000001")]
    [InlineData("2:0:0:0:0:1")]
    [InlineData("02:00:00:00:00:001")]
    [InlineData("02:00:00:00:00:0g")]
    [InlineData("02:00:00:00:00:+1")]
    [InlineData("02:00:00:00:00: 1")]
    [InlineData(" 02:00:00:00:00:01")]
    [InlineData("02:00:00:00:00:01:")]
    [InlineData(":::::")]
    [InlineData("02:00:00:00:00:０１")]
    public void MalformedMac(string mac)
    {
        NetNamespace.Require();
        using var ns = new NetNamespace();
        ns.AddTap("tap0", "10.78.0.1/24");
        ns.Exec(UkvmRun.DefaultTimeout, Repo.Monitor, "--net:service0=tap0", $"--net-mac:service0={mac}", Guests.Image("net_mtu"))
            .AssertOneLineFailure($"--net-mac:service0={mac}: expected a MAC address like 02:00:00:00:00:01");
    }

    [SkippableTheory]
    [InlineData("01:00:00:00:00:01")]
    [InlineData("ff:ff:ff:ff:ff:ff")]
    [InlineData("33:33:00:00:00:01")]
    public void MulticastMac(string mac)
    {
        NetNamespace.Require();
        using var ns = new NetNamespace();
        ns.AddTap("tap0", "10.78.0.1/24");
        ns.Exec(UkvmRun.DefaultTimeout, Repo.Monitor, "--net:service0=tap0", $"--net-mac:service0={mac}", Guests.Image("net_mtu"))
            .AssertOneLineFailure($"--net-mac:service0={mac}: a multicast address cannot be a device's address");
    }

    [SkippableFact]
    public void SameTapForTwoDevices()
    {
        NetNamespace.Require();
        using var ns = new NetNamespace();
        ns.AddTap("tap0", "10.78.0.1/24");
        ns.Exec(UkvmRun.DefaultTimeout, Repo.Monitor, "--net:service0=tap0", "--net:service1=tap0", Guests.Image("net_2if"))
            .AssertOneLineFailure("tap 'tap0' is in use");
    }

    // ---- Bytes that are not UTF-8 ----

    [SkippableFact]
    public void GuestArgumentsReachTheGuestVerbatimEvenWhenNotUtf8()
    {
        // docs/abi.md: "The ARGS after KERNEL, joined with single spaces, verbatim" (as solo5-hvt does).
        Kvm.Require();
        string script = $"'{Repo.Monitor}' --mem=4 '{Guests.Image("hello")}' \"$(printf 'a\\377b')\" | grep -a '^Command line is' | od -An -tx1";
        var r = UkvmRun.Exec("/bin/bash", new[] { "-c", script }, UkvmRun.DefaultTimeout);
        string hex = string.Join(' ', r.Stdout.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("27 61", hex); // the guest printed "'a..."
        // Not U+FFFD (ef bf bd), which is what .NET's decoded argv would give.
        Assert.Contains("27 61 ff 62 27", hex);
    }

    // ---- Control characters in what the error line echoes ----

    [Theory]
    [InlineData("--bogus\nukvm: a forged second line")]
    [InlineData("--block:x\n=y")]
    [InlineData("--mem=4\n")]
    [InlineData("/nonexistent/a\nb.hvt")]
    public void ANewlineInAnArgumentStillGivesOneLine(string arg)
    {
        var r = UkvmRun.Start(arg);
        Assert.Equal(1, r.ExitCode);
        r.AssertGone();
        // Control characters are escaped: a newline cannot forge a second "ukvm: " line.
        r.AssertOneLine("ukvm: ");
    }
}
