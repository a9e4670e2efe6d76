using System.Collections.Generic;
using System.Text;
using Ukvm.Abi;
using Ukvm.Arch;
using Ukvm.Modules;

namespace Ukvm.Cli;

/// <summary>--help and --version texts, true to what this binary contains.</summary>
internal static class Help
{
    public const string Version = "0.1.0";

    public static string Text(IReadOnlyList<IModule> modules)
    {
        var sb = new StringBuilder();
        sb.Append("usage: ukvm [--mem=MB] [MODULE OPTIONS] [--] KERNEL [ARGS...]\n");
        if (Subcommands.Enabled)
        {
            sb.Append("       ukvm gen-manifest MANIFEST.json OUTPUT.c\n");
            sb.Append("       ukvm inspect KERNEL [--json]\n");
            sb.Append("       ukvm pack --kernel KERNEL -o IMAGE.tar [--name NAME:TAG] [--mem MB] [PACK OPTIONS] [-- ARGS...]\n");
            sb.Append("       ukvm ps [--root DIR] [--json]\n");
            sb.Append("       ukvm [--root DIR] [--log FILE] [--log-format json] create|start|state|kill|delete|ps|features ...\n");
        }
        sb.Append("       ukvm --help | --version\n\n");
        sb.Append("Runs KERNEL, a Solo5 hvt unikernel (hvt ABI 2), under KVM. ARGS become its command line.\n\n");
        sb.Append("Core options:\n");
        sb.Append("  --mem=MB        guest memory in MB (default 512; rounded down to 2 MB; at most 1024)\n");
        sb.Append("  --help          show this help\n");
        sb.Append("  --version       show the version and the built-in modules\n");
        sb.Append("Module options:\n");
        int n = 0;
        foreach (var m in modules)
            foreach (var line in m.Usage) { sb.Append("  ").Append(line).Append('\n'); n++; }
        if (n == 0) sb.Append("  (none)\n");
        sb.Append("\nExit status: the guest's own status (255 when it aborts), or 1 with one line on\n");
        sb.Append("stderr when the monitor ends the guest (bad image, bad hypercall, fault).\n");
        if (!Subcommands.Enabled)
            return sb.ToString();
        sb.Append("gen-manifest turns a Solo5 manifest.json into C source for the guest SDK.\n");
        sb.Append("inspect describes a unikernel image; pack makes an OCI image of one; ps lists the\n");
        sb.Append("unikernels running as containers. create ... features: ukvm as an OCI runtime with runc's\n");
        sb.Append("command line, for containerd's runc shim (docs/containers.md).\n");
        return sb.ToString();
    }

    public static string VersionText(IArchBackend arch, IReadOnlyList<IModule> modules)
    {
        var sb = new StringBuilder();
        sb.Append("ukvm ").Append(Version).Append(" (hvt ABI ").Append(HvtAbi.Version).Append(", ").Append(arch.Name).Append(")\n");
        sb.Append("modules:");
        foreach (var m in modules) sb.Append(' ').Append(m.Name);
        sb.Append('\n');
        return sb.ToString();
    }
}
