using System;
using System.Diagnostics;
using System.IO;
using SharpFuzz;
using Ukvm.Core;
using Ukvm.Elf;
using Ukvm.Tests.Fuzz;

namespace Ukvm.Fuzz;

/// <summary>
/// The fuzz harness (tests/fuzz/run.sh drives it):
///   Ukvm.Fuzz afl TARGET                      under afl-fuzz, one input per run on stdin/file (SharpFuzz)
///   Ukvm.Fuzz replay TARGET FILE...           runs inputs once, prints what each did
///   Ukvm.Fuzz hypercalls SECONDS [TAP] [DIR]  in-process random hypercalls (no AFL); cases that
///                                             disagree with the model are saved in DIR
///   Ukvm.Fuzz seed-manifests DIR IMAGE...     writes each image's MFT1 note descriptor to DIR
/// TARGET: image, manifest, genmanifest, bundlespec, imageconfig, tcpjoin.
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        if (args.Length >= 2 && args[0] == "afl")
        {
            string target = args[1];
            // UKVM_FUZZ_IGNORE_KNOWN=1: bugs already reported (fixtures/*/bug-*) are not crashes, so that
            // AFL looks past them.
            bool ignoreKnown = Environment.GetEnvironmentVariable("UKVM_FUZZ_IGNORE_KNOWN") == "1";
            Fuzzer.OutOfProcess.Run(stream =>
            {
                using var ms = new MemoryStream();
                stream.CopyTo(ms);
                try
                {
                    FuzzTargets.Run(target, ms.GetBuffer().AsSpan(0, (int)ms.Length));
                }
                catch (InvalidOperationException e) when (ignoreKnown && e.Message.Contains("UTF-16"))
                {
                    // JSON with lone surrogate escapes (fixtures/*/bug-*surrogate*).
                }
            });
            return 0;
        }
        if (args.Length >= 3 && args[0] == "replay")
        {
            int bad = 0;
            for (int i = 2; i < args.Length; i++)
            {
                try
                {
                    FuzzTargets.Run(args[1], File.ReadAllBytes(args[i]));
                    Console.WriteLine($"{args[i]}: ok");
                }
                catch (Exception e)
                {
                    bad++;
                    Console.WriteLine($"{args[i]}: {e.GetType().FullName}: {e.Message}");
                    Console.WriteLine(e.StackTrace);
                }
            }
            return bad == 0 ? 0 : 1;
        }
        if (args.Length >= 2 && args[0] == "hypercalls")
            return Hypercalls(double.Parse(args[1]), args.Length > 2 && args[2] != "" ? args[2] : null,
                args.Length > 3 ? args[3] : null);
        if (args.Length >= 3 && args[0] == "seed-manifests")
        {
            for (int i = 2; i < args.Length; i++)
            {
                try
                {
                    var image = ElfImage.Parse(File.ReadAllBytes(args[i]), ElfImage.MachineX86_64);
                    File.WriteAllBytes(Path.Combine(args[1], Path.GetFileNameWithoutExtension(args[i]) + ".mft"), image.ManifestNote);
                }
                catch (MonitorException e)
                {
                    Console.Error.WriteLine($"{args[i]}: {e.Message}");
                }
            }
            return 0;
        }
        if (args.Length == 2 && args[0] == "seed-images")
        {
            File.WriteAllBytes(Path.Combine(args[1], "small-none.hvt"), SmallImage(Array.Empty<(string, uint)>()));
            File.WriteAllBytes(Path.Combine(args[1], "small-block-net.hvt"), SmallImage(new[] { ("storage", 1u), ("service0", 2u) }));
            return 0;
        }
        if (args.Length == 2 && args[0] == "seed-tcpjoin")
        {
            // Runs of TCP segments in the target's input format: 16-bit length, frame.
            static byte[] Run(params byte[][] frames)
            {
                var w = new System.Collections.Generic.List<byte>();
                foreach (var f in frames) { w.Add((byte)f.Length); w.Add((byte)(f.Length >> 8)); w.AddRange(f); }
                return w.ToArray();
            }
            byte[] opts = { 1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2 };
            File.WriteAllBytes(Path.Combine(args[1], "three.bin"), Run(
                FuzzTargets.TcpSegment(1000, 64), FuzzTargets.TcpSegment(1064, 64), FuzzTargets.TcpSegment(1128, 20, psh: true)));
            File.WriteAllBytes(Path.Combine(args[1], "options.bin"), Run(
                FuzzTargets.TcpSegment(1000, 32, options: opts), FuzzTargets.TcpSegment(1032, 32, options: opts)));
            File.WriteAllBytes(Path.Combine(args[1], "gap.bin"), Run(
                FuzzTargets.TcpSegment(1000, 32), FuzzTargets.TcpSegment(1040, 32)));
            return 0;
        }
        Console.Error.WriteLine("usage: Ukvm.Fuzz afl|replay TARGET [FILE...] | hypercalls SECONDS [TAP] [DIR] | seed-manifests DIR IMAGE... | seed-images DIR | seed-tcpjoin DIR");
        return 2;
    }

    /// <summary>
    /// An image shaped like the SDK's (INTERP, text R+X, rodata R with the notes, data R+W with bss,
    /// TLS, two PT_NOTEs) but with a few bytes per segment: a seed AFL can mutate quickly.
    /// </summary>
    private static byte[] SmallImage((string Name, uint Type)[] devices)
    {
        var w = new System.Collections.Generic.List<byte>();
        void U16(int v) { w.Add((byte)v); w.Add((byte)(v >> 8)); }
        void U32(uint v) { for (int i = 0; i < 4; i++) w.Add((byte)(v >> (8 * i))); }
        void U64(ulong v) { for (int i = 0; i < 8; i++) w.Add((byte)(v >> (8 * i))); }
        void Pad(int to) { while (w.Count % to != 0) w.Add(0); }
        const int phnum = 7, contentStart = 64 + phnum * 56;
        // Contents first (offsets relative to contentStart), headers prepended after.
        var interp = System.Text.Encoding.ASCII.GetBytes("/nonexistent/solo5/\0\0\0\0\0");
        var abi = new byte[36];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(abi, 6);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(abi.AsSpan(4), 16);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(abi.AsSpan(8), ElfImage.Abi1NoteType);
        "Solo5\0"u8.CopyTo(abi.AsSpan(12));
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(abi.AsSpan(20), ElfImage.AbiTargetHvt);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(abi.AsSpan(24), ElfImage.AbiVersionHvt);
        int entries = devices.Length + 1;
        var mft = new byte[12 + 8 + 4 + 8 + entries * 104];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(mft, 6);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(mft.AsSpan(4), (uint)(mft.Length - 20));
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(mft.AsSpan(8), ElfImage.Mft1NoteType);
        "Solo5\0"u8.CopyTo(mft.AsSpan(12));
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(mft.AsSpan(24), 1);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(mft.AsSpan(28), (uint)entries);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(mft.AsSpan(32 + 68), 1u << 30);
        for (int i = 0; i < devices.Length; i++)
        {
            System.Text.Encoding.ASCII.GetBytes(devices[i].Name, mft.AsSpan(32 + (i + 1) * 104));
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(mft.AsSpan(32 + (i + 1) * 104 + 68), devices[i].Type);
        }
        var text = new byte[] { 0xf4, 0xeb, 0xfd, 0x90 };
        var data = new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 };
        int oText = contentStart, oRo = oText + 8, oAbi = oRo + interp.Length, oMft = oAbi + abi.Length,
            roLen = interp.Length + abi.Length + mft.Length, oData = (oRo + roLen + 7) & ~7;
        // ELF header.
        w.AddRange(new byte[] { 0x7f, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0 });
        U16(2); U16(ElfImage.MachineX86_64); U32(1); U64(0x100000); U64(64); U64(0); U32(0);
        U16(64); U16(56); U16(phnum); U16(64); U16(0); U16(0);
        void Ph(uint type, uint flags, int off, ulong addr, ulong filesz, ulong memsz, ulong align)
        { U32(type); U32(flags); U64((ulong)off); U64(addr); U64(addr); U64(filesz); U64(memsz); U64(align); }
        Ph(3, 4, oRo, 0x101000, 24, 24, 8);                                         // PT_INTERP
        Ph(1, 5, oText, 0x100000, (ulong)text.Length, (ulong)text.Length, 0x1000);   // text R+X
        Ph(1, 4, oRo, 0x101000, (ulong)roLen, (ulong)roLen, 0x1000);                 // rodata R
        Ph(1, 6, oData, 0x102000, (ulong)data.Length, 0x4400, 0x1000);               // data+bss R+W
        Ph(7, 4, oData + 8, 0x102008, 0, 0, 1);                                      // PT_TLS
        Ph(4, 4, oAbi, 0x101000 + (ulong)(oAbi - oRo), (ulong)abi.Length, (ulong)abi.Length, 4);
        Ph(4, 4, oMft, 0x101000 + (ulong)(oMft - oRo), (ulong)mft.Length, (ulong)mft.Length, 4);
        w.AddRange(text); Pad(8);
        w.AddRange(interp); w.AddRange(abi); w.AddRange(mft); Pad(8);
        w.AddRange(data);
        return w.ToArray();
    }

    private static int Hypercalls(double seconds, string? tap, string? crashDir)
    {
        using var fuzzer = new HypercallFuzzer(tap);
        var sw = Stopwatch.StartNew();
        long runs = 0, faults = 0, found = 0;
        var byNr = new long[16];
        int seed = Environment.TickCount;
        var rng = new Random(seed);
        Console.WriteLine($"hypercalls: seed {seed}, net {(tap is null ? "not attached" : $"on tap {tap}")}");
        while (sw.Elapsed.TotalSeconds < seconds)
        {
            var c = HypercallFuzzer.RandomCase(rng);
            try
            {
                fuzzer.Run(c);
            }
            catch (Exception e) when (e is not HypercallFuzzer.MismatchException)
            {
                found++;
                Report(c, e, crashDir, found);
            }
            catch (HypercallFuzzer.MismatchException e)
            {
                found++;
                Report(c, e, crashDir, found);
            }
            runs++;
            byNr[c.Nr & 15]++;
            if (runs % 200_000 == 0)
                Console.WriteLine($"hypercalls: {runs} runs, {sw.Elapsed.TotalSeconds:F0} s, {found} found");
            _ = faults;
        }
        Console.WriteLine($"hypercalls: {runs} runs in {sw.Elapsed.TotalSeconds:F0} s ({runs / sw.Elapsed.TotalSeconds:F0}/s), " +
                          $"by number 1-8: {string.Join(' ', byNr[1..9])}; {found} disagreements or crashes");
        foreach (var (k, v) in new System.Collections.Generic.SortedDictionary<string, long>(fuzzer.Outcomes))
            Console.WriteLine($"  {k}: {v}");
        return found == 0 ? 0 : 1;
    }

    private static void Report(HypercallFuzzer.Case c, Exception e, string? dir, long n)
    {
        if (n <= 20)
            Console.WriteLine($"FOUND: {e.GetType().Name}: {e.Message}\n  case: {c}");
        if (dir is not null && n <= 200)
        {
            Directory.CreateDirectory(dir);
            File.WriteAllBytes(Path.Combine(dir, $"case-{n:D3}-nr{c.Nr}.bin"), c.Encode());
        }
    }
}
