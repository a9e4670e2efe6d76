using System;
using System.Collections.Generic;
using System.Text.Encodings.Web;
using System.Text.Json;
using Ukvm.Core;

namespace Ukvm.Oci;

/// <summary>
/// Typed reads of optional JsonDocument members: absent or null is null, the wrong type is an
/// error naming the member. JsonDocument and Utf8JsonWriter: no reflection, NativeAOT-safe.
/// </summary>
internal static class Json
{
    /// <summary>Indented output that keeps '+', '&lt;' and non-ASCII text readable (no HTML escaping: never embedded in a page).</summary>
    public static JsonWriterOptions IndentedOptions => new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>One-line output, same escaping.</summary>
    public static JsonWriterOptions CompactOptions => new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static JsonElement? Object(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Object ? v : null;

    public static string? String(JsonElement parent, string name, string what)
    {
        if (!parent.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind != JsonValueKind.String) throw new MonitorException($"{what} must be a string");
        return v.GetString();
    }

    public static bool? Bool(JsonElement parent, string name)
    {
        if (!parent.TryGetProperty(name, out var v)) return null;
        return v.ValueKind switch { JsonValueKind.True => true, JsonValueKind.False => false, _ => null };
    }

    public static long? Long(JsonElement parent, string name, string what)
    {
        if (!parent.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt64(out long n)) throw new MonitorException($"{what} must be a whole number");
        return n;
    }

    public static List<string> Strings(JsonElement parent, string name, string what)
    {
        var list = new List<string>();
        if (!parent.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return list;
        if (v.ValueKind != JsonValueKind.Array) throw new MonitorException($"{what} must be an array of strings");
        foreach (var s in v.EnumerateArray())
        {
            if (s.ValueKind != JsonValueKind.String) throw new MonitorException($"{what} must be an array of strings");
            list.Add(s.GetString()!);
        }
        return list;
    }

    /// <summary>
    /// RFC 3339 UTC with nanosecond digits ("2025-01-02T03:04:05.123456700Z", runc's form), formatted
    /// by hand: DateTime's format strings pull time-zone and parsing code into the binary.
    /// </summary>
    public static string Rfc3339(DateTime utc)
    {
        long fraction = utc.Ticks % TimeSpan.TicksPerSecond;
        return $"{utc.Year:D4}-{utc.Month:D2}-{utc.Day:D2}T{utc.Hour:D2}:{utc.Minute:D2}:{utc.Second:D2}.{fraction:D7}00Z";
    }

    /// <summary>
    /// True when <paramref name="list"/> holds <paramref name="value"/> (ordinal). A loop rather than
    /// List.Contains / Array.IndexOf / LINQ: their shared generic code needs EqualityComparer of an
    /// unknown type at run time, which brings the NativeAOT type loader into the binary.
    /// </summary>
    public static bool Has(IReadOnlyList<string> list, string value)
    {
        for (int i = 0; i < list.Count; i++)
            if (string.Equals(list[i], value, StringComparison.Ordinal)) return true;
        return false;
    }

    /// <summary>Writes <paramref name="values"/> as a JSON array of strings named <paramref name="name"/>.</summary>
    public static void WriteStrings(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values) w.WriteStringValue(v);
        w.WriteEndArray();
    }
}
