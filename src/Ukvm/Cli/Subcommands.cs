using System;
using System.Diagnostics.CodeAnalysis;
using Ukvm.Oci;

namespace Ukvm.Cli;

/// <summary>
/// The commands besides running a unikernel: gen-manifest, inspect, pack, ps, the OCI runtime (runc's command
/// line) and its hidden init mode. Chosen by the first argument alone, so that the boot path
/// (<c>ukvm [OPTIONS] KERNEL</c>) pays one string switch and runs none of this code.
/// </summary>
internal static class Subcommands
{
    /// <summary>
    /// A .NET feature switch, like the modules' (on unless set off): a specialized monitor built
    /// with it off (<c>RuntimeHostConfigurationOption Ukvm.Tools=false</c>, trimmed) has none of
    /// this code, about 1.1 MB of the binary (half of it), System.Text.Json included.
    /// </summary>
    [FeatureSwitchDefinition("Ukvm.Tools")]
    public static bool Enabled => !AppContext.TryGetSwitch("Ukvm.Tools", out bool on) || on;

    /// <summary>
    /// String comparisons only: <c>ukvm KERNEL</c> does nothing more. Program.Main calls
    /// <see cref="Run"/> only in a branch on <see cref="Enabled"/>, which a build without the tools drops.
    /// </summary>
    public static bool Handles(string first) =>
        first is "gen-manifest" or "inspect" or "pack" || first.StartsWith(InitProcess.Option, StringComparison.Ordinal) || RuntimeCli.Handles(first);

    public static int Run(string[] args) => args[0] switch
    {
        "gen-manifest" => GenManifest.Run(args[1..]),
        "inspect" => Inspect.Run(args[1..]),
        "pack" => Pack.Run(args[1..]),
        var first when first.StartsWith(InitProcess.Option, StringComparison.Ordinal) => InitProcess.Run(args),
        _ => RuntimeCli.Run(args),
    };
}
