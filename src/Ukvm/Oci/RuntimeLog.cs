using System;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Json;
using Ukvm.Core;

namespace Ukvm.Oci;

/// <summary>
/// The runtime's error reporting, as runc's: a line to <c>--log FILE</c> (JSON with
/// <c>--log-format json</c>: <c>{"level":"error","msg":"...","time":"..."}</c>, which the
/// containerd shim reads back and shows as "OCI runtime create failed: MSG"), and the same
/// message on stderr.
/// </summary>
internal sealed class RuntimeLog
{
    public string? File { get; set; }
    public bool Json { get; set; }

    public void Error(string message)
    {
        Append("error", message);
        Log.Error(message);
    }

    public void Warning(string message)
    {
        Append("warning", message);
        Log.Warning(message);
    }

    private void Append(string level, string message)
    {
        if (File is null) return;
        try { System.IO.File.AppendAllText(File, Line(level, message, DateTime.UtcNow, Json)); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { Log.Warning($"cannot write log {File}: {IoErrors.Describe(e)}"); }
    }

    /// <summary>One log line in runc's (logrus's) JSON or text format.</summary>
    public static string Line(string level, string message, DateTime utc, bool json)
    {
        string time = Oci.Json.Rfc3339(utc);
        if (!json)
            return $"time=\"{time}\" level={level} msg={JsonEncodedText.Encode(message, System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping).ToString().Insert(0, "\"")}\"\n";
        var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, Oci.Json.CompactOptions))
        {
            w.WriteStartObject();
            w.WriteString("level", level);
            w.WriteString("msg", message);
            w.WriteString("time", time);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }
}
