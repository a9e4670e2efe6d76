using System;
using Ukvm.Core;

namespace Ukvm;

internal static class Program
{
    /// <summary>
    /// Exit status: the guest's own, or 1 with one line on stderr for any failure. Never a
    /// stack trace: every exception ends here as a single line.
    /// </summary>
    private static int Main(string[] args)
    {
        try
        {
            // The feature switch first, on its own: with it off, ILC drops the branch before it
            // scans what the tools reach (one test inside Handles is not enough for that).
            if (Cli.Subcommands.Enabled && args.Length > 0 && Cli.Subcommands.Handles(args[0]))
                return Cli.Subcommands.Run(args);
            return Vmm.Monitor.Run(args);
        }
        catch (MonitorException e)
        {
            Log.Error(e.Message);
            return 1;
        }
        catch (Exception e)
        {
            Log.Error($"internal error: {e.GetType().Name}: {e.Message}");
            return 1;
        }
    }
}
