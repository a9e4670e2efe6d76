using System;
using System.Globalization;
using Ukvm.Core;

namespace Ukvm.Oci;

/// <summary>Signal names and numbers as <c>runc kill</c> takes them (signal(7), x86_64 and AArch64 numbering).</summary>
internal static class Signals
{
    private static readonly string[] Names =
    {
        "", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE", "ALRM",
        "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ", "VTALRM", "PROF",
        "WINCH", "IO", "PWR", "SYS",
    };

    public const int SIGKILL = 9, SIGTERM = 15;
    private const int SigRtMin = 34, SigRtMax = 64;

    /// <summary>"9", "KILL", "SIGKILL", "sigkill", "RTMIN+3": the signal number; throws for anything else.</summary>
    public static int Parse(string text)
    {
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int n))
            return n is >= 1 and <= SigRtMax ? n : throw Unknown(text);
        string name = text.ToUpperInvariant();
        if (name.StartsWith("SIG", StringComparison.Ordinal)) name = name[3..];
        if (name == "IOT") return 6;
        if (name == "POLL") return 29;
        for (int i = 1; i < Names.Length; i++)
            if (Names[i] == name) return i;
        if (name == "RTMIN") return SigRtMin;
        if (name == "RTMAX") return SigRtMax;
        if (name.StartsWith("RTMIN+", StringComparison.Ordinal) && int.TryParse(name[6..], NumberStyles.None, CultureInfo.InvariantCulture, out int plus)
            && SigRtMin + plus <= SigRtMax)
            return SigRtMin + plus;
        if (name.StartsWith("RTMAX-", StringComparison.Ordinal) && int.TryParse(name[6..], NumberStyles.None, CultureInfo.InvariantCulture, out int minus)
            && SigRtMax - minus >= SigRtMin)
            return SigRtMax - minus;
        throw Unknown(text);
    }

    private static MonitorException Unknown(string text) => new($"unknown signal \"{text}\"");
}
