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
            // Run behind a branch on the feature switch itself: with it off, ILC drops that branch
            // before it scans what the tools reach (a test inside Handles is not enough for that).
            if (args.Length > 0 && Cli.Subcommands.Handles(args[0]))
            {
                if (Cli.Subcommands.Enabled)
                    return Cli.Subcommands.Run(args);
                throw new MonitorException($"'{args[0]}': this ukvm binary was built without the tools (OCI runtime, pack, inspect, ps, gen-manifest)");
            }
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
