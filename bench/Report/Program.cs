// Charts for bench/run: dotnet run --project bench/Report -- DATA.tsv BOOT.json OUTDIR
//   DATA.tsv: chart <TAB> series <TAB> x <TAB> value (written by bench/run from the scripts' Markdown)
//   BOOT.json: hyperfine's --export-json of bench/boot.sh (one result per monitor, times in seconds)
// Writes OUTDIR/boot.png, density-memory.png, network-throughput.png, network-latency.png, tcp-throughput.png
// (each only when its numbers are there).
using System.Globalization;
using System.Text.Json;
using ScottPlot;

if (args.Length != 3)
{
    Console.Error.WriteLine("usage: Report DATA.tsv BOOT.json OUTDIR");
    return 2;
}
var (dataPath, bootPath, outDir) = (args[0], args[1], args[2]);
Directory.CreateDirectory(outDir);
const int W = 900, H = 560;
var palette = new[] { Colors.SteelBlue, Colors.DarkOrange, Colors.SeaGreen, Colors.Crimson };

var rows = File.Exists(dataPath)
    ? File.ReadAllLines(dataPath)
        .Select(l => l.Split('\t'))
        .Where(f => f.Length == 4 && double.TryParse(f[3], NumberStyles.Float, CultureInfo.InvariantCulture, out _))
        .Select(f => (Chart: f[0], Series: f[1], X: f[2], Value: double.Parse(f[3], CultureInfo.InvariantCulture)))
        .ToList()
    : new();

void Save(Plot plt, string name)
{
    var path = Path.Combine(outDir, name);
    plt.SavePng(path, W, H);
    Console.Error.WriteLine($"Report: wrote {path}");
}

// ---- boot: box plot of every hyperfine run, the runs themselves as dots beside it
if (File.Exists(bootPath))
{
    using var doc = JsonDocument.Parse(File.ReadAllText(bootPath));
    var results = doc.RootElement.GetProperty("results").EnumerateArray().ToList();
    var plt = new Plot();
    var rnd = new Random(1);
    var labels = new List<string>();
    var runs = new List<(string Cmd, double[] Ms, double Median)>();
    double maxMs = 1;
    for (int i = 0; i < results.Count; i++)
    {
        var cmd = results[i].GetProperty("command").GetString() ?? $"#{i}";
        var ms = results[i].GetProperty("times").EnumerateArray().Select(t => t.GetDouble() * 1000).OrderBy(t => t).ToArray();
        if (ms.Length == 0) continue;
        maxMs = Math.Max(maxMs, Q(0.95));
        double Q(double p) { var k = p * (ms.Length - 1); int lo = (int)Math.Floor(k), hi = (int)Math.Ceiling(k); return ms[lo] + (ms[hi] - ms[lo]) * (k - lo); }
        var box = new Box
        {
            Position = i,
            BoxMin = Q(0.25), BoxMax = Q(0.75), BoxMiddle = Q(0.5),
            WhiskerMin = Q(0.05), WhiskerMax = Q(0.95),
        };
        box.Width = 0.4;
        box.FillStyle.Color = palette[i % palette.Length].WithAlpha(0.35);
        var bplot = plt.Add.Box(box);
        bplot.FillColor = palette[i % palette.Length].WithAlpha(0.35);
        var xs = ms.Select(_ => i + 0.35 + (rnd.NextDouble() - 0.5) * 0.12).ToArray();
        var dots = plt.Add.ScatterPoints(xs, ms);
        dots.Color = palette[i % palette.Length];
        dots.MarkerSize = 4;
        runs.Add((cmd, ms, Q(0.5)));
    }
    // the axis stops at 1.5 x the largest 95th percentile: on a loaded host a few runs take
    // 10-100 x the median and would flatten everything else; the label counts them
    double top = maxMs * 1.5;
    foreach (var (cmd, ms, median) in runs)
    {
        int above = ms.Count(t => t > top);
        labels.Add($"{cmd}: n = {ms.Length}, min {ms[0]:0.00}, median {median:0.00}, max {ms[^1]:0.0} ms"
            + (above > 0 ? $"\n({above} run{(above > 1 ? "s" : "")} above the chart)" : ""));
    }
    plt.Axes.Bottom.SetTicks(Enumerable.Range(0, labels.Count).Select(i => (double)i).ToArray(), labels.ToArray());
    plt.Axes.SetLimitsX(-0.6, labels.Count - 0.4);
    plt.Axes.Bottom.MajorTickStyle.Length = 0;
    plt.Title("Boot: process start to exit, hello.hvt --mem=4 (hyperfine)");
    plt.YLabel("time (ms)");
    plt.XLabel("monitor (box: quartiles and median; whiskers: 5th-95th percentile; dots: every run)");
    plt.Axes.SetLimitsY(0, top);
    Save(plt, "boot.png");
}

// ---- per-instance memory against N (density/run.sh at several N)
var density = rows.Where(r => r.Chart == "density").ToList();
if (density.Count > 0)
{
    var plt = new Plot();
    int c = 0;
    foreach (var g in density.GroupBy(r => r.Series))
    {
        var pts = g.OrderBy(r => double.Parse(r.X, CultureInfo.InvariantCulture)).ToList();
        var xs = pts.Select(r => double.Parse(r.X, CultureInfo.InvariantCulture)).ToArray();
        var ys = pts.Select(r => r.Value).ToArray();
        var s = plt.Add.Scatter(xs, ys);
        s.LegendText = g.Key;
        s.Color = palette[c++ % palette.Length];
        s.LineWidth = 2;
        s.MarkerSize = 8;
    }
    var ns = density.Select(r => double.Parse(r.X, CultureInfo.InvariantCulture)).Distinct().OrderBy(x => x).ToArray();
    plt.Axes.Bottom.SetTicks(ns, ns.Select(n => n.ToString(CultureInfo.InvariantCulture)).ToArray());
    plt.Axes.SetLimitsX(0, ns.Max() * 1.05);
    plt.Axes.SetLimitsY(0, density.Max(r => r.Value) * 1.15);
    plt.Title("Memory per instance against N (http.hvt, --mem=16, one ukvm each)");
    plt.XLabel("N (instances running at once)");
    plt.YLabel("per instance (KiB)");
    plt.ShowLegend(Alignment.UpperRight);
    Save(plt, "density-memory.png");
}

// ---- network: grouped bars, ukvm against the kernel veth peer
void GroupedBars(string chart, string title, string ylabel, string file, string fmt, double target, string targetText)
{
    var data = rows.Where(r => r.Chart == chart).ToList();
    if (data.Count == 0) return;
    var groups = data.Select(r => r.X).Distinct().ToList();
    var series = data.Select(r => r.Series).Distinct().ToList();
    var plt = new Plot();
    double width = 0.8 / series.Count;
    for (int s = 0; s < series.Count; s++)
    {
        var bars = new List<Bar>();
        for (int g = 0; g < groups.Count; g++)
        {
            var r = data.FirstOrDefault(d => d.Series == series[s] && d.X == groups[g]);
            if (r.Series is null) continue;
            bars.Add(new Bar
            {
                Position = g + (s - (series.Count - 1) / 2.0) * width,
                Value = r.Value,
                Size = width * 0.95,
                FillColor = palette[s % palette.Length],
                Label = r.Value.ToString(fmt, CultureInfo.InvariantCulture),
            });
        }
        var bp = plt.Add.Bars(bars);
        bp.ValueLabelStyle.FontSize = 14;
        plt.Legend.ManualItems.Add(new LegendItem { LabelText = series[s], FillColor = palette[s % palette.Length] });
    }
    plt.Axes.Bottom.SetTicks(Enumerable.Range(0, groups.Count).Select(i => (double)i).ToArray(), groups.ToArray());
    plt.Axes.Bottom.MajorTickStyle.Length = 0;
    var line = plt.Add.HorizontalLine(target);
    line.LinePattern = LinePattern.Dashed;
    line.Color = Colors.Black;
    line.LineWidth = 1.5f;
    plt.Legend.ManualItems.Add(new LegendItem { LabelText = targetText, LineColor = Colors.Black, LinePattern = LinePattern.Dashed, LineWidth = 1.5f });
    plt.Axes.SetLimitsY(0, Math.Max(target, data.Max(r => r.Value)) * 1.4);
    plt.Title(title);
    plt.YLabel(ylabel);
    plt.ShowLegend(Alignment.UpperRight);
    Save(plt, file);
}
GroupedBars("net_rate", "Network: ICMP echo round trips per second (net.hvt via tap vs. kernel veth)",
    "round trips / s", "network-throughput.png", "N0", 10000, "target >= 10,000/s");
GroupedBars("net_rtt", "Network: round-trip time (net.hvt via tap vs. kernel veth)",
    "RTT (µs)", "network-latency.png", "0", 100, "target < 100 µs (paced median)");
GroupedBars("net_tcp", "Network: TCP throughput (http.hvt, ring vs. hypercalls)",
    "Mbit/s", "tcp-throughput.png", "N0", 1000, "target >= 1 Gbit/s");
return 0;
