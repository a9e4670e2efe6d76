using System;
using System.IO;

namespace Ukvm.Core;

/// <summary>
/// Plain words for file errors. The binary is built with UseSystemResourceKeys (smaller, faster
/// to start), so .NET's own messages are resource keys: name the common cases ourselves.
/// </summary>
internal static class IoErrors
{
    public static string Describe(Exception e) => e switch
    {
        FileNotFoundException or DirectoryNotFoundException => "No such file or directory",
        UnauthorizedAccessException => "Permission denied",
        PathTooLongException => "File name too long",
        IOException io when io.HResult != 0 && (io.HResult & 0xffff) is int errno && errno < 4096 && errno > 0
            => Interop.Libc.StrError(errno),
        _ => e.Message,
    };
}
