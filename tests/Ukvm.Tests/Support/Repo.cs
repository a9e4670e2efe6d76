namespace Ukvm.Tests.Support;

/// <summary>Paths in the repository this test assembly was built from.</summary>
internal static class Repo
{
    /// <summary>The directory holding build.sh, found by walking up from the test assembly.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>out/ukvm, the NativeAOT monitor; a clear failure when it has not been built.</summary>
    public static string Monitor
    {
        get
        {
            string path = Path.Combine(Root, "out", "ukvm");
            if (!File.Exists(path))
                throw new InvalidOperationException(
                    $"{path} does not exist: run ./build.sh --monitor --no-deps in {Root} before the end-to-end tests");
            return path;
        }
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "build.sh")))
                return dir.FullName;
        throw new InvalidOperationException($"no build.sh above {AppContext.BaseDirectory}");
    }
}
