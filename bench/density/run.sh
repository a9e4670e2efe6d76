#!/usr/bin/env bash
# Density: N HTTP unikernels (guest/tests/http), one ukvm each, on one bridge.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

usage() {
    cat <<EOF
usage: bench/density/run.sh [options] [N]

Starts N (default 256) http.hvt unikernels as fast as possible, each under its
own ukvm with --mem=MB and its own tap, all taps on one bridge (10.0.0.1/16) in
a network namespace that the script makes and removes; instance i gets
10.0.(1 + i / 200).(10 + i % 200)/16. Then checks that every instance answers
an HTTP GET (curl inside the namespace), and reports as Markdown:
  - time to start all N monitors, and until all N answered (min/median/max of
    the per-instance first answer)
  - host memory: MemAvailable before and after (/proc/meminfo)
  - per monitor: Rss, Pss and Private_Dirty from /proc/PID/smaps_rollup
    (guest memory included: it is the monitor's anonymous mapping)
  - CPU while idle: CPU time of all monitors (/proc/PID/task/*/schedstat)
    over IDLE seconds, and the
    host's busy share from /proc/stat over the same time
  - every instance still answers after the idle period
Everything is killed and the namespace deleted at the end, on failure or on
Ctrl-C. Needs root and /dev/kvm; installs curl and iproute2 if missing.

options:
  --ukvm PATH     monitor (default out/ukvm)
  --kernel PATH   unikernel (default out/guest/x86_64/http.hvt)
  --mem MB        guest memory per instance (default 16)
  --idle SECONDS  idle period for the CPU measurement (default 10)
  --jobs P        parallel curl checkers (default 32)
  --out FILE      Markdown also to FILE (default bench/results/density-N.md;
                  --out - for stdout only)
  --note TEXT     a line for the report (e.g. which monitor build)
  --l2 MODE       flood (default): a plain learning bridge; every broadcast (the
                  guests' gratuitous ARP at boot, the host's ARP requests)
                  reaches, and wakes, every instance. static: fixed MACs, static
                  neighbour and FDB entries and no flooding to the taps, so each
                  instance sees only its own traffic
  -h, --help      this text
EOF
}

n=256 ukvm="$root/out/ukvm" kernel="$root/out/guest/x86_64/http.hvt" mem=16 idle=10 jobs=32 out=""
note="" l2=flood
me=density
. "$root/bench/lib.sh"
while [ $# -gt 0 ]; do
    case "$1" in
    --ukvm) ukvm="$2"; shift ;;
    --kernel) kernel="$2"; shift ;;
    --mem) mem="$2"; shift ;;
    --idle) idle="$2"; shift ;;
    --jobs) jobs="$2"; shift ;;
    --out) out="$2"; shift ;;
    --note) note="$2"; shift ;;
    --l2) l2="$2"; shift ;;
    -h | --help) usage; exit 0 ;;
    [0-9]*) n="$1" ;;
    *) die "unknown argument $1 (see --help)" ;;
    esac
    shift
done
[[ "$n" =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] && [ "$n" -le 2000 ] || die "N must be 1-2000"
[ "$(id -u)" = 0 ] || die "needs root (network namespace, taps)"
[ -w /dev/kvm ] || die "needs /dev/kvm"
[ -x "$ukvm" ] || die "no monitor at $ukvm (./build.sh)"
[ -f "$kernel" ] || die "no unikernel at $kernel (./build.sh)"
ukvm="$(realpath "$ukvm")" kernel="$(realpath "$kernel")"
[ "$l2" = flood ] || [ "$l2" = static ] || die "--l2 is flood or static"
[ -n "$out" ] || out="$root/bench/results/density-$n$([ "$l2" = static ] && echo -static).md"
apt_need curl ip:iproute2

# Each monitor holds a few descriptors; the scripts here hold one per child at most.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
ulimit -u unlimited 2>/dev/null || true

ns="ukb-density-$$"
tmp="$(mktemp -d)"
pids="$tmp/pids"
: >"$pids"
cleanup() {
    if [ -s "$pids" ]; then
        xargs -r kill -TERM <"$pids" 2>/dev/null
        for _ in $(seq 50); do
            left=0
            while read -r p; do kill -0 "$p" 2>/dev/null && { left=1; break; }; done <"$pids"
            [ "$left" = 0 ] && break
            sleep 0.1
        done
        xargs -r kill -KILL <"$pids" 2>/dev/null
    fi
    [ -n "${launcher:-}" ] && { kill "$launcher" 2>/dev/null; wait "$launcher" 2>/dev/null; }
    ip netns del "$ns" 2>/dev/null
    rm -rf "$tmp"
}
at_exit cleanup
trap 'echo "density: interrupted" >&2; exit 130' INT TERM

addr() { echo "10.0.$((1 + $1 / 200)).$((10 + $1 % 200))"; }
mac() { printf '02:00:0a:00:%02x:%02x' $(($1 / 256)) $(($1 % 256)); }
now() { echo "${EPOCHREALTIME/./}"; } # microseconds
mem_available() { awk '/^MemAvailable:/ {print $2}' /proc/meminfo; } # kB
cpu_busy_total() { awk '/^cpu / {busy = $2 + $3 + $4 + $7 + $8; total = busy + $5 + $6; print busy, total}' /proc/stat; }
monitor_cpu_ns() { # CPU time of every monitor (all threads, guest time included), ns:
    # schedstat is exact, where utime+stime come in 10 ms ticks per process (a
    # monitor that boots in 5 ms would count 0)
    sed 's|^|/proc/|; s|$|/task|' "$pids" | xargs -r -I{} sh -c 'cat {}/*/schedstat 2>/dev/null' |
        awk '{s += $1} END {printf "%.0f\n", s}'
}

# --- the network: one bridge, N taps, in one namespace (ip -batch: fast) ---
echo "density: namespace $ns, bridge and $n taps" >&2
netns_add "$ns"
# No IPv6 on the host side: its router solicitations and MLD reports would be
# multicast to every instance (the guests speak IPv4 only).
ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 \
    2>/dev/null || true
{
    echo "link set lo up"
    echo "link add br0 type bridge"
    echo "link set br0 up"
    echo "addr add 10.0.0.1/16 dev br0"
    for ((i = 0; i < n; i++)); do
        echo "tuntap add dev tap$i mode tap"
        echo "link set tap$i master br0"
        echo "link set tap$i up"
        if [ "$l2" = static ]; then
            echo "link set dev tap$i type bridge_slave flood off mcast_flood off bcast_flood off learning off"
            echo "fdb add $(mac "$i") dev tap$i master static" >>"$tmp/bridge.batch"
            echo "neigh add $(addr "$i") lladdr $(mac "$i") dev br0 nud permanent"
        fi
    done
} >"$tmp/ip.batch"
ip -n "$ns" -batch "$tmp/ip.batch" || die "setting up the bridge and taps failed"
if [ -s "$tmp/bridge.batch" ]; then
    bridge -n "$ns" -batch "$tmp/bridge.batch" || die "static FDB entries failed"
fi
# Room for N neighbours in the namespace's ARP table (the default hard limit is 1024).
ip netns exec "$ns" sysctl -qw net.ipv4.neigh.default.gc_thresh1=$((n + 256)) \
    net.ipv4.neigh.default.gc_thresh2=$((n + 512)) net.ipv4.neigh.default.gc_thresh3=$((n + 1024)) \
    2>/dev/null || true
sleep 0.5

# --- start all N as fast as possible: one shell inside the namespace forks them ---
mkdir -p "$tmp/log"
sync
mem_before=$(mem_available)
echo "density: starting $n instances" >&2
# The launcher stays as the monitors' parent and records how each one ends
# ("PID STATUS" in exits): a monitor that dies early shows up there.
t0=$(now)
ip netns exec "$ns" bash -c '
    ukvm=$1 kernel=$2 mem=$3 n=$4 tmp=$5 l2=$6
    for ((i = 0; i < n; i++)); do
        macopt=()
        [ "$l2" = static ] && macopt=(--net-mac:service0=$(printf "02:00:0a:00:%02x:%02x" $((i / 256)) $((i % 256))))
        "$ukvm" --mem="$mem" --net:service0=tap$i "${macopt[@]}" -- "$kernel" --solo5:quiet \
            --ipv4=10.0.$((1 + i / 200)).$((10 + i % 200))/16 --ipv4-gateway=10.0.0.1 \
            >"$tmp/log/$i" 2>&1 </dev/null &
        echo $! >>"$tmp/pids"
    done
    echo "${EPOCHREALTIME/./}" >"$tmp/started"
    trap "" INT TERM
    while wait -n -p dead; st=$?; [ -n "$dead" ]; do echo "$dead $st" >>"$tmp/exits"; dead=; done
    ' launch "$ukvm" "$kernel" "$mem" "$n" "$tmp" "$l2" &
launcher=$!
while [ ! -s "$tmp/started" ] && kill -0 "$launcher" 2>/dev/null; do sleep 0.01; done
[ -s "$tmp/started" ] || die "the launcher failed"
t_started=$(cat "$tmp/started")
[ "$(wc -l <"$pids")" = "$n" ] || die "started only $(wc -l <"$pids") of $n"

# --- until every instance listens: its console's one line ("http: serving on ...",
# the only output under --solo5:quiet) appears in its log, and the log's modification
# time says when. Watching files costs the booting guests nothing, where polling each
# with curl would compete with them.
echo "density: waiting for $n instances to listen" >&2
deadline=$(($(now) + 180000000))
listening=0
while [ "$(now)" -lt "$deadline" ]; do
    listening=$(find "$tmp/log" -type f -size +0 | wc -l)
    [ "$listening" -ge "$n" ] && break
    sleep 0.1
done
find "$tmp/log" -type f -size +0 -printf '%T@\n' |
    awk -v t0="$t0" '{printf "%.0f\n", $1 * 1000000 - t0}' | sort -n >"$tmp/times"
t_ready=$((t0 + $(tail -n 1 "$tmp/times" 2>/dev/null || echo 0)))
ready_ns=$(monitor_cpu_ns) # CPU the monitors used to boot

# --- then one GET / each (retried for a while if it fails) ---
echo "density: one request to each of $n" >&2
seq 0 $((n - 1)) | ip netns exec "$ns" xargs -P "$jobs" -I{} bash -c '
    i=$1 t0=$2
    ip=10.0.$((1 + i / 200)).$((10 + i % 200))
    for ((try = 0; try < 120; try++)); do
        code=$(curl -s -o /dev/null --connect-timeout 1 --max-time 2 -w "%{http_code}" "http://$ip/")
        if [ "$code" = 200 ]; then echo "$i $(( ${EPOCHREALTIME/./} - t0 ))"; exit 0; fi
        sleep 0.05
    done
    echo "$i FAIL"' check {} "$t0" >"$tmp/answers" &
wait $!
t_answered=$(now)
answered=$(grep -vc FAIL "$tmp/answers")
alive=0
while read -r p; do kill -0 "$p" 2>/dev/null && alive=$((alive + 1)); done <"$pids"

boot_ns=$(monitor_cpu_ns) # CPU the monitors used to boot and answer the first request
# --- memory, after a moment to settle ---
sleep 2
mem_after=$(mem_available)
: >"$tmp/smaps"
while read -r p; do
    # Rss Pss Private_Dirty (all), and Private_Dirty of the guest memory mapping
    # (the anonymous mapping of exactly MB megabytes) apart.
    r=$(awk '/^Rss:/ {r = $2} /^Pss:/ {s = $2} /^Private_Dirty:/ {d = $2} END {print r, s, d}' \
        "/proc/$p/smaps_rollup" 2>/dev/null) || continue
    g=$(awk -v kb=$((mem * 1024)) '/^Size:/ {guest = ($2 == kb)} guest && /^Private_Dirty:/ {g += $2} END {print g + 0}' \
        "/proc/$p/smaps" 2>/dev/null)
    echo "$r ${g:-0}" >>"$tmp/smaps"
done <"$pids"

# --- CPU while idle ---
echo "density: idle for ${idle}s" >&2
ns0=$(monitor_cpu_ns)
read -r busy0 total0 < <(cpu_busy_total)
sleep "$idle" &
wait $!
ns1=$(monitor_cpu_ns)
read -r busy1 total1 < <(cpu_busy_total)
hz=$(getconf CLK_TCK)

# --- still answering after the idle period ---
seq 0 $((n - 1)) | ip netns exec "$ns" xargs -P "$jobs" -I{} bash -c '
    i=$1; ip=10.0.$((1 + i / 200)).$((10 + i % 200))
    curl -s -o /dev/null --max-time 5 -w "%{http_code}\n" "http://$ip/hello.txt"' again {} >"$tmp/again" &
wait $!
again=$(grep -c '^200$' "$tmp/again")

# --- report ---
ms() { awk -v us="$1" 'BEGIN {printf "%.0f", us / 1000}'; }
pct() { sort -n "$1" | awk -v p="$2" '{a[NR] = $1} END {if (NR == 0) {print "-"; exit} i = int((NR - 1) * p + 0.5) + 1; printf "%.0f", a[i] / 1000}'; }
start_ms=$(ms $((t_started - t0)))
ready_ms=$(ms $((t_ready - t0)))
all_ms=$(ms $((t_answered - t0)))
stat_col() { awk -v c="$1" '{s += $c; if ($c > m) m = $c} END {if (NR) printf "%.0f %d %.0f", s / NR, m, s; else print "0 0 0"}' "$tmp/smaps"; }
read -r rss_avg rss_max rss_sum < <(stat_col 1)
read -r pss_avg pss_max pss_sum < <(stat_col 2)
read -r pd_avg pd_max pd_sum < <(stat_col 3)
read -r gd_avg gd_max gd_sum < <(stat_col 4)
used_kb=$((mem_before - mem_after))
cpu_mon=$(awk -v t=$((ns1 - ns0)) -v s="$idle" 'BEGIN {printf "%.2f", 100 * t / 1e9 / s}')
cpu_mon_each=$(awk -v t=$((ns1 - ns0)) -v s="$idle" -v n="$n" 'BEGIN {printf "%.4f", 100 * t / 1e9 / s / n}')
cpu_host=$(awk -v b=$((busy1 - busy0)) -v t=$((total1 - total0)) 'BEGIN {if (t > 0) printf "%.1f", 100 * b / t; else print "-"}')
cores=$(nproc)
kernel_name="$(basename "$kernel")"

monitor_version=$("$ukvm" --version 2>&1 | head -n 1)
dotnet_env=$(env | grep '^DOTNET_' | sort | tr '\n' ' ' | sed 's/ $//')
report() {
    cat <<EOF
# Density: $n HTTP unikernels ($kernel_name, --mem=$mem) under ukvm

$(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -r), $cores cores, $(awk '/^MemTotal:/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo) RAM, KVM: $(for m in kvm_pvm kvm_intel kvm_amd; do [ -d /sys/module/$m ] && echo $m && break; done).
One network namespace, one bridge, one tap per instance, one ukvm process per instance;
the guests run lwIP (guest SDK) and answer HTTP/1.1. Layer 2: $([ "$l2" = static ] &&
    echo "static (fixed MACs, static neighbour and FDB entries, no flooding to the taps: an instance sees only its own frames)" ||
    echo "a plain learning bridge (every broadcast reaches every instance)").

| what | result |
| --- | --- |
| instances started | $n (all monitors forked in ${start_ms} ms) |
| answering GET / | $answered of $n; monitors alive: $alive |
| monitors that ended before the teardown | $ended${ended_how:+ ($ended_how)} |
| time until all listened (console line seen, from the first fork) | ${ready_ms} ms ($listening of $n) |
| per-instance time to listen, from the first fork | min $p_min ms, median $p_med ms, p90 $p_90 ms, max $p_max ms |
| time until all had answered a GET / (checked after all listened, $jobs in parallel) | ${all_ms} ms |
| CPU used by the monitors (schedstat, all threads, guest time included) | until all listened: $(awk -v t="$ready_ns" -v n="$n" 'BEGIN {printf "%.2f s in all, %.1f ms per instance", t / 1e9, t / 1e6 / n}'); until all answered: $(awk -v t="$boot_ns" -v n="$n" 'BEGIN {printf "%.2f s, %.1f ms per instance", t / 1e9, t / 1e6 / n}') |
| host memory used (MemAvailable before - after) | $((used_kb / 1024)) MiB in all, $((used_kb / n)) kB per instance |
| host memory back after the teardown (MemAvailable) | $((freed_kb / 1024)) MiB in all, $((freed_kb / n)) kB per instance |
| monitor Private_Dirty (guest memory included) | avg $pd_avg kB, max $pd_max kB, sum $((pd_sum / 1024)) MiB |
| of which guest memory (the ${mem} MiB mapping) | avg $gd_avg kB, max $gd_max kB |
| monitor Rss / Pss | Rss avg $rss_avg kB (max $rss_max); Pss avg $pss_avg kB (max $pss_max), sum $((pss_sum / 1024)) MiB |
| CPU while idle, all monitors (schedstat over ${idle} s) | ${cpu_mon}% of one core ($cpu_mon_each% per instance) |
| host CPU busy over the same ${idle} s (/proc/stat, all $cores cores) | ${cpu_host}% |
| answering /hello.txt after the idle period | $again of $n |

${note:+$note

}Monitor: \`$ukvm\` ($monitor_version).
Monitor environment (DOTNET_* variables passed through): ${dotnet_env:-none}.

MemAvailable counts the whole host: other work running at the same time moves it (the busy
share above shows how much else ran). Private_Dirty is per monitor and exact.

Reproduce: \`bench/density/run.sh $n\` (root, /dev/kvm; \`./build.sh\` first).
EOF
}
p_min=$(pct "$tmp/times" 0) p_med=$(pct "$tmp/times" 0.5) p_90=$(pct "$tmp/times" 0.9) p_max=$(pct "$tmp/times" 1)
fail_logs="" exits_early=""
if [ "$answered" != "$n" ]; then
    fail_logs=$(grep FAIL "$tmp/answers" | head -n 3 | while read -r i _; do
        echo "  [$i] pid $(sed -n "$((i + 1))p" "$pids"), log:"; sed "s/^/  [$i] /" "$tmp/log/$i"; done)
fi
ended=0 ended_how="none"
if [ -s "$tmp/exits" ]; then
    ended=$(wc -l <"$tmp/exits")
    ended_how=$(awk '{c[$2]++} END {for (s in c) printf "%s%d with status %s", (n++ ? ", " : ""), c[s], s}' "$tmp/exits")
fi
[ -s "$tmp/exits" ] && exits_early=$(head -n 5 "$tmp/exits" | sed 's/^/  ended: pid /')
# Tear down now, to see how much memory comes back.
cleanup
sleep 2
mem_end=$(mem_available)
freed_kb=$((mem_end - mem_after))
tmp="$(mktemp -d)" # cleanup removed the old one; cleanup on exit removes this
pids="$tmp/pids"
: >"$pids"
trap 'exit 130' INT TERM

report
if [ "$out" != - ]; then
    mkdir -p "$(dirname "$out")"
    report >"$out"
    echo "density: written to $out" >&2
fi
if [ "$answered" != "$n" ]; then
    echo "density: $((n - answered)) instances never answered; first failures' logs:" >&2
    echo "$fail_logs" >&2
    [ -n "$exits_early" ] && echo "$exits_early" >&2
    exit 1
fi
