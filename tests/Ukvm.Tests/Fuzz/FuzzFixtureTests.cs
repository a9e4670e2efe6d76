using Ukvm.Tests.Support;

namespace Ukvm.Tests.Fuzz;

/// <summary>
/// What the fuzzers (tests/fuzz/run.sh) found, kept: every crash or hang input is a file under
/// fixtures/TARGET/ and is replayed through the same target here. A fixture named "bug-*" shows a
/// src bug still open (<see cref="Bugs"/> says which): reported SKIPPED with "SRC BUG" until the fix,
/// then it passes. Also: the fuzzers' seeds and a fixed-seed run of the hypercall fuzzer, so the
/// targets and the model stay honest between fuzzing runs.
/// </summary>
public class FuzzFixtureTests
{
    private static string Dir => Path.Combine(Repo.Root, "tests", "Ukvm.Tests", "Fuzz", "fixtures");

    /// <summary>Open src bugs, by fixture (TARGET/FILE).</summary>
    private static readonly Dictionary<string, string> Bugs = new()
    {
    };

    private static IEnumerable<string> FixtureNames()
    {
        foreach (var target in FuzzTargets.Names.Append("hypercalls"))
        {
            string dir = Path.Combine(Dir, target);
            if (!Directory.Exists(dir)) continue;
            foreach (var f in Directory.GetFiles(dir).OrderBy(f => f, StringComparer.Ordinal))
                yield return $"{target}/{Path.GetFileName(f)}";
        }
    }

    public static TheoryData<string> Fixtures()
    {
        var d = new TheoryData<string>();
        foreach (var f in FixtureNames()) d.Add(f);
        return d;
    }

    [SkippableTheory]
    [MemberData(nameof(Fixtures))]
    public void FixtureIsHandledCleanly(string fixture)
    {
        string target = fixture[..fixture.IndexOf('/')];
        byte[] bytes = File.ReadAllBytes(Path.Combine(Dir, fixture));
        void Replay()
        {
            var e = Record.Exception(() =>
            {
                if (target == "hypercalls")
                {
                    using var f = new HypercallFuzzer();
                    f.Run(HypercallFuzzer.Case.Decode(bytes));
                }
                else
                    FuzzTargets.Run(target, bytes);
            });
            Assert.True(e is null, $"{fixture}: {e?.GetType().Name}: {e?.Message}");
        }
        if (Bugs.TryGetValue(fixture, out var bug))
            KnownSrcBug.Check(bug, Replay);
        else
            Replay();
    }

    [Fact]
    public void EveryBugFixtureIsDescribed()
    {
        foreach (var f in FixtureNames())
            if (Path.GetFileName(f).StartsWith("bug-", StringComparison.Ordinal))
                Assert.True(Bugs.ContainsKey(f), $"{f} has no entry in Bugs");
        foreach (var f in Bugs.Keys)
            Assert.True(File.Exists(Path.Combine(Dir, f)), $"{f} is in Bugs but not in fixtures/");
    }

    [Theory]
    [InlineData("surrogate-in-type-value.json")]
    [InlineData("surrogate-in-key.json")]
    [InlineData("high-surrogate-in-device-name.json")]
    public void GenManifestCommandGivesAProperError(string fixture)
    {
        // The gen-manifest crash inputs through the real binary: one line naming the file, status 1, no C written.
        string output = Path.Combine(Path.GetTempPath(), $"ukvm-fuzz-{Guid.NewGuid():N}.c");
        var r = UkvmRun.Start("gen-manifest", Path.Combine(Dir, "genmanifest", fixture), output);
        r.AssertOneLineFailure(fixture + ": ");
        Assert.DoesNotContain("internal error", r.Stderr);
        Assert.False(File.Exists(output));
    }

    // ---- The seeds pass, and the targets are not vacuous ----

    public static TheoryData<string> Unikernels()
    {
        var d = new TheoryData<string>();
        foreach (var f in Directory.Exists(Guests.Dir) ? Directory.GetFiles(Guests.Dir, "*.hvt").OrderBy(f => f) : Enumerable.Empty<string>())
            d.Add(Path.GetFileName(f));
        if (d.Count == 0) d.Add("hello.hvt"); // Guests.Image then says to build them
        return d;
    }

    [Theory]
    [MemberData(nameof(Unikernels))]
    public void RealUnikernelsPassTheImageTarget(string file)
    {
        byte[] image = File.ReadAllBytes(Guests.Image(Path.GetFileNameWithoutExtension(file)));
        FuzzTargets.Image(image);
        FuzzTargets.Manifest(global::Ukvm.Elf.ElfImage.Parse(image, global::Ukvm.Elf.ElfImage.MachineX86_64).ManifestNote);
    }

    [Fact]
    public void GuestManifestsPassTheGenManifestTarget()
    {
        foreach (var f in Directory.GetFiles(Path.Combine(Repo.Root, "guest", "tests"), "manifest.json", SearchOption.AllDirectories))
            FuzzTargets.GenManifestJson(File.ReadAllBytes(f));
    }

    [Fact]
    public void RandomHypercallsAgreeWithTheModel()
    {
        // A fixed seed: the same 10,000 cases every run (tests/fuzz/run.sh hypercalls runs new ones).
        using var f = new HypercallFuzzer();
        var rng = new Random(20251204);
        for (int i = 0; i < 10_000; i++)
            f.Run(HypercallFuzzer.RandomCase(rng));
        Assert.True(f.Outcomes.GetValueOrDefault("fault") > 1000, "too few guest faults: the cases are not hostile enough");
        Assert.True(f.Outcomes.GetValueOrDefault("BLOCK_READ ret 0") > 50, "too few valid block reads: the block paths are not reached");
        Assert.True(f.Outcomes.GetValueOrDefault("BLOCK_WRITE ret 2") > 50, "too few EINVAL block writes");
    }

    [Fact]
    public void TheHypercallModelCatchesAMonitorThatWritesTooMuch()
    {
        // A case the model gets right, checked both ways: BLOCK_READ into text must be EINVAL.
        using var f = new HypercallFuzzer();
        var arg = new byte[HypercallFuzzer.ArgMax];
        BitConverter.GetBytes((ulong)HypercallFuzzer.StorageHandle).CopyTo(arg, 0);
        BitConverter.GetBytes(0UL).CopyTo(arg, 8);
        BitConverter.GetBytes(HypercallFuzzer.TextStart).CopyTo(arg, 16);
        BitConverter.GetBytes(512UL).CopyTo(arg, 24);
        f.Run(new HypercallFuzzer.Case(5, (uint)HypercallFuzzer.TextEnd + 64, arg));
        Assert.Equal(1, f.Outcomes["BLOCK_READ ret 2"]);
    }
}
