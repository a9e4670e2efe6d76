using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using Ukvm.Core;

namespace Ukvm.Oci;

/// <summary>
/// Starting processes with posix_spawn(3): never fork() from a .NET process, whose runtime
/// threads would be lost in the child. Every child gets the caller's stdio (or the descriptors
/// given), no other descriptor (the shim hands the runtime a socket on fd 3), default signal
/// dispositions and an empty signal mask. It inherits the calling thread's namespaces, which is
/// how a monitor started from a thread that entered a pod's network namespace lives there.
/// </summary>
internal static unsafe class Spawn
{
    /// <summary>Where a program named without a slash is looked up after $PATH (ip and tc live in sbin).</summary>
    private static readonly string[] FallbackPath = { "/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin" };

    /// <summary>
    /// Starts <paramref name="path"/> with <paramref name="argv"/> (argv[0] included) and returns its
    /// pid. <paramref name="stdio"/>: descriptors to become 0, 1 and 2 (-1: inherit).
    /// </summary>
    public static int Start(string path, IReadOnlyList<string> argv, ReadOnlySpan<int> stdio = default, bool newSession = false)
    {
        byte* actions = stackalloc byte[Native.SpawnFileActionsSize];
        byte* attr = stackalloc byte[Native.SpawnAttrSize];
        byte* sigs = stackalloc byte[Native.SigsetSize];
        Native.posix_spawn_file_actions_init(actions);
        Native.posix_spawnattr_init(attr);
        var strings = new NativeStrings();
        try
        {
            for (int fd = 0; fd < stdio.Length && fd < 3; fd++)
                if (stdio[fd] >= 0)
                    Check(Native.posix_spawn_file_actions_adddup2(actions, stdio[fd], fd), "posix_spawn_file_actions_adddup2");
            Check(Native.posix_spawn_file_actions_addclosefrom_np(actions, 3), "posix_spawn_file_actions_addclosefrom_np");
            short flags = Native.POSIX_SPAWN_SETSIGDEF | Native.POSIX_SPAWN_SETSIGMASK;
            if (newSession) flags |= Native.POSIX_SPAWN_SETSID;
            Native.posix_spawnattr_setflags(attr, flags);
            Native.sigfillset(sigs);
            Native.posix_spawnattr_setsigdefault(attr, sigs);
            Native.sigemptyset(sigs);
            Native.posix_spawnattr_setsigmask(attr, sigs);

            byte* cpath = strings.Add(path);
            byte** cargv = strings.Array(argv);
            byte** cenv = strings.Array(Environment());
            int pid;
            int rc = Native.posix_spawn(&pid, cpath, actions, attr, cargv, cenv);
            if (rc != 0)
                throw MonitorException.FromErrno($"cannot start {path}: posix_spawn", rc);
            return pid;
        }
        finally
        {
            Native.posix_spawn_file_actions_destroy(actions);
            Native.posix_spawnattr_destroy(attr);
            strings.Dispose();
        }
    }

    /// <summary>Waits for child <paramref name="pid"/>; its exit status as a shell reports it (128+N for signal N).</summary>
    public static int Wait(int pid)
    {
        int status;
        while (Native.waitpid(pid, &status, 0) < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno != Native.EINTR) throw MonitorException.FromErrno($"waitpid({pid})", errno);
        }
        return Native.ExitCode(status);
    }

    /// <summary>The outcome of <see cref="Run"/>.</summary>
    public readonly record struct Result(int ExitCode, string Stdout, string Stderr)
    {
        /// <summary>Stderr's first line, or the exit status when it printed nothing.</summary>
        public string Why => Stderr.Trim() is { Length: > 0 } s ? s.Split('\n')[0] : $"exit status {ExitCode}";
    }

    /// <summary>Runs <paramref name="program"/> (looked up in $PATH and the sbin directories) to completion.</summary>
    public static Result Run(string program, params string[] args)
    {
        string path = Resolve(program);
        int* outPipe = stackalloc int[2];
        int* errPipe = stackalloc int[2];
        if (Native.pipe2(outPipe, Native.O_CLOEXEC) < 0 || Native.pipe2(errPipe, Native.O_CLOEXEC) < 0)
            throw MonitorException.FromErrno("pipe2", Marshal.GetLastPInvokeError());
        var argv = new List<string>(args.Length + 1) { program };
        argv.AddRange(args);
        int pid;
        try
        {
            int devnull = Interop.Libc.open("/dev/null", Native.O_RDONLY | Native.O_CLOEXEC, 0);
            try { pid = Start(path, argv, stackalloc int[] { devnull, outPipe[1], errPipe[1] }); }
            finally { if (devnull >= 0) Interop.Libc.close(devnull); }
        }
        finally
        {
            Interop.Libc.close(outPipe[1]);
            Interop.Libc.close(errPipe[1]);
        }
        // Output is small (ip/tc answers): drain stdout, then stderr, within the pipe buffers.
        string stdout = ReadAll(outPipe[0]);
        string stderr = ReadAll(errPipe[0]);
        return new Result(Wait(pid), stdout, stderr);
    }

    /// <summary>Runs <paramref name="program"/>, throwing with its error line when it fails.</summary>
    public static string RunChecked(string program, params string[] args)
    {
        var r = Run(program, args);
        if (r.ExitCode != 0)
            throw new MonitorException($"{program} {string.Join(' ', args)}: {r.Why}");
        return r.Stdout;
    }

    private static string ReadAll(int fd)
    {
        var buffer = new MemoryStream();
        byte* chunk = stackalloc byte[4096];
        while (true)
        {
            nint n = Interop.Libc.read(fd, chunk, 4096);
            if (n < 0 && Marshal.GetLastPInvokeError() == Native.EINTR) continue;
            if (n <= 0) break;
            buffer.Write(new ReadOnlySpan<byte>(chunk, (int)n));
        }
        Interop.Libc.close(fd);
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>An absolute path for <paramref name="program"/>: itself when it has a slash, else the first match in $PATH or sbin.</summary>
    public static string Resolve(string program)
    {
        if (program.Contains('/')) return program;
        var dirs = new List<string>((System.Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries));
        dirs.AddRange(FallbackPath);
        foreach (var dir in dirs)
        {
            string candidate = Path.Combine(dir, program);
            if (File.Exists(candidate)) return candidate;
        }
        throw new MonitorException($"{program}: command not found (install iproute2)");
    }

    /// <summary>This process's environment, as the kernel gave it (no Hashtable of Environment.GetEnvironmentVariables).</summary>
    private static List<string> Environment()
    {
        var env = new List<string>();
        try
        {
            foreach (var e in File.ReadAllText("/proc/self/environ").Split('\0'))
                if (e.Length > 0) env.Add(e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return env;
    }

    private static void Check(int rc, string what)
    {
        if (rc != 0) throw MonitorException.FromErrno(what, rc);
    }

    /// <summary>NUL-terminated UTF-8 copies and NULL-terminated arrays of them, freed together.</summary>
    private sealed class NativeStrings : IDisposable
    {
        private readonly List<nint> _blocks = new();

        public byte* Add(string s)
        {
            int n = Encoding.UTF8.GetByteCount(s);
            byte* p = (byte*)NativeMemory.Alloc((nuint)n + 1);
            _blocks.Add((nint)p);
            Encoding.UTF8.GetBytes(s, new Span<byte>(p, n));
            p[n] = 0;
            return p;
        }

        public byte** Array(IReadOnlyList<string> items)
        {
            byte** a = (byte**)NativeMemory.Alloc((nuint)(items.Count + 1), (nuint)sizeof(byte*));
            _blocks.Add((nint)a);
            for (int i = 0; i < items.Count; i++) a[i] = Add(items[i]);
            a[items.Count] = null;
            return a;
        }

        public void Dispose()
        {
            foreach (var p in _blocks) NativeMemory.Free((void*)p);
            _blocks.Clear();
        }
    }
}
