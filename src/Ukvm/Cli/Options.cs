using System;
using System.Collections.Generic;
using Ukvm.Core;
using Ukvm.Modules;

namespace Ukvm.Cli;

/// <summary>The monitor's command line: solo5-hvt's shape, <c>[--mem=MB] [MODULE OPTIONS] [--] KERNEL [ARGS...]</c>.</summary>
internal sealed class Options
{
    /// <summary>solo5-hvt's default guest memory.</summary>
    public const ulong DefaultMemoryMb = 512;

    public ulong MemoryMb { get; private set; } = DefaultMemoryMb;
    public string? Kernel { get; private set; }
    public IReadOnlyList<string> GuestArgs { get; private set; } = Array.Empty<string>();
    /// <summary>Index in the parsed argument list of the first guest argument.</summary>
    public int GuestArgsIndex { get; private set; }
    public bool Help { get; private set; }
    public bool Version { get; private set; }

    /// <summary>Parses <paramref name="args"/>, handing module options to <paramref name="modules"/>.</summary>
    public static Options Parse(IReadOnlyList<string> args, IReadOnlyList<IModule> modules)
    {
        var o = new Options();
        int i = 0;
        for (; i < args.Count; i++)
        {
            string a = args[i];
            if (a == "--") { i++; break; }
            if (!a.StartsWith('-') || a == "-") break;
            if (a is "--help" or "-h") { o.Help = true; return o; }
            if (a == "--version") { o.Version = true; return o; }
            if (a.StartsWith("--mem=", StringComparison.Ordinal)) { o.MemoryMb = ParseMemory(a[6..]); continue; }
            bool handled = false;
            foreach (var m in modules)
                if (m.TryHandleOption(a)) { handled = true; break; }
            if (!handled)
                throw new MonitorException(ModuleRegistry.MissingModuleFor(a) is string missing
                    ? $"option '{a}' needs the {missing} module, which this ukvm binary was built without"
                    : $"unknown option '{a}' (see ukvm --help)");
        }
        if (i >= args.Count)
            throw new MonitorException("missing KERNEL operand (see ukvm --help)");
        o.Kernel = args[i];
        var rest = new string[args.Count - i - 1];
        for (int j = 0; j < rest.Length; j++) rest[j] = args[i + 1 + j];
        o.GuestArgs = rest;
        o.GuestArgsIndex = i + 1;
        return o;
    }

    private static ulong ParseMemory(string value)
    {
        if (value.Length == 0 || value.Length > 7 || !ulong.TryParse(value, System.Globalization.NumberStyles.None, null, out ulong mb) || mb == 0)
            throw new MonitorException($"malformed --mem value '{value}': expected a whole number of megabytes, e.g. --mem=512");
        return mb;
    }
}
