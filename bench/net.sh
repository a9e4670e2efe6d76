#!/usr/bin/env bash
# ICMP echo round trips per second and latency of the net unikernel under ukvm, against a
# kernel-to-kernel baseline (a veth peer in a second namespace) measured in the same run.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

usage() {
    cat <<EOF
usage: bench/net.sh [options]

Makes two private network namespaces (removed on exit, whatever happens):
  ukb-net-PID   tap0 10.0.0.1/24, where  UKVM --mem=MB --net:service0=tap0 -- KERNEL 10.0.0.2
                runs (the ARP + ICMP echo responder), and veth0 10.0.1.1/24;
  ukb-peer-PID  veth1 10.0.1.2/24, the other end of veth0: the kernel answers the pings.
Nothing is configured in the root namespace and nothing outside the two is addressed.

From ukb-net-PID, for each round, ukvm (10.0.0.2) then the kernel peer (10.0.1.2):
  flood      ping -f -c COUNT       round trips/s = replies / wall time of the ping process;
                                    min/avg/max RTT as ping reports them
  interval0  ping -i 0 -c COUNT     the same numbers (-i 0.001 when -i 0 is refused)
  plain      ping -c 20 -i 0.05     per-packet times; median over all rounds' samples
and prints a Markdown table: medians over the rounds, the range, and the ratio ukvm/kernel,
plus the issue's targets (>= 10,000 round trips/s, median RTT < 100 us). During the flood it also
reads the monitor's CPU time (/proc/PID/stat: user incl. guest, system) per round trip, and, when
perf and the kvm tracepoints are there, counts the monitor's exits from KVM_RUN per round trip
(kvm:kvm_userspace_exit) in one extra flood and one extra paced run, outside the timed rounds.

options:
  --count N      packets per flood and interval0 run (default 10000)
  --plain N      packets per plain run (default 20)
  --rounds N     rounds (default 3; at least 2 to see the spread)
  --mem MB       guest memory (default 16)
  --kernel PATH  guest (default out/guest/x86_64/net.hvt)
  --ukvm PATH    monitor (default out/ukvm)
  --out FILE     also write the table to FILE (e.g. bench/results/net-latest.md)
  -h, --help     this text

Needs root (namespaces, taps), /dev/kvm, /dev/net/tun, ip (iproute2) and ping (iputils-ping).
EOF
}

count=10000 plain=20 rounds=3 mem=16
kernel="$root/out/guest/x86_64/net.hvt"
ukvm="$root/out/ukvm"
out=""

. "$root/bench/lib.sh"

while [[ $# -gt 0 ]]; do
    case "$1" in
        --count) need_arg "$@"; count="$2"; shift 2 ;;
        --plain) need_arg "$@"; plain="$2"; shift 2 ;;
        --rounds) need_arg "$@"; rounds="$2"; shift 2 ;;
        --mem) need_arg "$@"; mem="$2"; shift 2 ;;
        --kernel) need_arg "$@"; kernel="$2"; shift 2 ;;
        --ukvm) need_arg "$@"; ukvm="$2"; shift 2 ;;
        --out) need_arg "$@"; out="$2"; shift 2 ;;
        --count=*|--plain=*|--rounds=*|--mem=*|--kernel=*|--ukvm=*|--out=*)
            set -- "${1%%=*}" "${1#*=}" "${@:2}" ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument '$1'" ;;
    esac
done

posint --count "$count" 100
posint --plain "$plain" 3
posint --rounds "$rounds" 1
[[ "$mem" =~ ^[0-9]+$ && "$mem" -ge 2 ]] || die "--mem: want MiB >= 2, got '$mem'"
[[ "$rounds" -ge 2 ]] || echo "net.sh: warning: one round shows no spread" >&2

# ---- inputs ------------------------------------------------------------------
need_taps
command -v ping >/dev/null || die "ping is needed (apt-get install iputils-ping)"
[[ -f "$kernel" ]] || die "guest '$kernel' not found (./build.sh, or pass --kernel PATH)"
[[ -x "$ukvm" ]] || die "monitor '$ukvm' not found or not executable (./build.sh, or pass --ukvm PATH)"

# ---- namespaces, always removed ------------------------------------------------
ns="ukb-net-$$" peer="ukb-peer-$$"
tmp_dir
netns_add "$ns" tap0 10.0.0.1/24
netns_add "$peer"
ip -n "$ns" link add veth0 type veth peer name veth1 netns "$peer"
ip -n "$ns" addr add 10.0.1.1/24 dev veth0
ip -n "$peer" addr add 10.0.1.2/24 dev veth1
ip -n "$ns" link set veth0 up
ip -n "$peer" link set veth1 up

in_ns() { ip netns exec "$ns" "$@"; }

# ---- the guest -----------------------------------------------------------------
# guest_pid is the monitor's own pid (ip netns exec execs it).
guest_start "$ns" "$tmp/guest.out" "$ukvm" --mem="$mem" --net:service0=tap0 -- "$kernel" 10.0.0.2
guest_attached "$ns" tap0 0.1
# ARP, and both ends answering, before anything is timed.
for target in 10.0.0.2 10.0.1.2; do
    guest_until 20 0 in_ns ping -c 1 -W 1 "$target" || die "$target does not answer ping"
    in_ns ping -c 5 -i 0.01 -q "$target" >/dev/null
done

interval0="-i 0"
in_ns ping -i 0 -c 2 -q 10.0.1.2 >/dev/null 2>&1 || interval0="-i 0.001"

now_ns() { date +%s%N; }
# utime (incl. guest time) and stime of the monitor, in clock ticks.
cpu_ticks() { awk '{ print $14, $15 }' "/proc/$guest_pid/stat"; }
hz="$(getconf CLK_TCK)"

# run_summary NAME ROUND TARGET PING-ARGS...: one line "wall_ns transmitted received min avg max"
run_summary() {
    local name="$1" round="$2" target="$3" t0 t1 u0 s0 u1 s1 rc=0
    shift 3
    [[ "$target" != 10.0.0.2 ]] || { guest_alive; read -r u0 s0 < <(cpu_ticks); }
    t0="$(now_ns)"
    in_ns ping -q -w 300 "$@" "$target" >"$tmp/ping.out" 2>&1 || rc=$?
    t1="$(now_ns)"
    [[ "$target" != 10.0.0.2 ]] || { guest_alive; read -r u1 s1 < <(cpu_ticks); }
    [[ $rc -le 1 ]] || { cat "$tmp/ping.out" >&2; die "ping $* $target failed ($rc)"; }
    awk -v wall=$((t1 - t0)) '
        /packets transmitted/ { tx = $1; rx = $4 }
        /^rtt / { split($4, r, "/"); min = r[1]; avg = r[2]; max = r[3] }
        END { if (tx == "") exit 1; printf "%s %s %s %s %s %s\n", wall, tx, rx, min + 0, avg + 0, max + 0 }
    ' "$tmp/ping.out" >>"$tmp/$name.$round" || { cat "$tmp/ping.out" >&2; die "cannot parse ping's summary"; }
    if [[ "$target" == 10.0.0.2 ]]; then
        echo "$((u1 - u0)) $((s1 - s0))" >>"$tmp/$name.cpu.$round"
    fi
}

# run_plain NAME TARGET: per-packet times (ms), one per line, appended to $tmp/NAME.samples
run_plain() {
    local name="$1" target="$2" rc=0
    [[ "$target" != 10.0.0.2 ]] || guest_alive
    in_ns ping -c "$plain" -i 0.05 -w 60 "$target" >"$tmp/ping.out" 2>&1 || rc=$?
    [[ $rc -le 1 ]] || { cat "$tmp/ping.out" >&2; die "ping -c $plain -i 0.05 $target failed ($rc)"; }
    sed -n 's/.* time=\([0-9.]*\) ms.*/\1/p' "$tmp/ping.out" >"$tmp/one.samples"
    cat "$tmp/one.samples" >>"$tmp/$name.samples"
    sort -g "$tmp/one.samples" | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }' \
        >>"$tmp/$name.plainmed"
    echo "$(grep -c ' time=' "$tmp/ping.out" || true) $plain" >>"$tmp/$name.plaincount"
}

load0="$(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$rounds"); do
    echo "net.sh: round $r/$rounds" >&2
    for who in ukvm kernel; do
        target=10.0.0.2; [[ $who == kernel ]] && target=10.0.1.2
        run_summary "$who.flood" "$r" "$target" -f -c "$count"
    done
    for who in ukvm kernel; do
        target=10.0.0.2; [[ $who == kernel ]] && target=10.0.1.2
        # shellcheck disable=SC2086
        run_summary "$who.i0" "$r" "$target" $interval0 -c "$count"
    done
    for who in ukvm kernel; do
        target=10.0.0.2; [[ $who == kernel ]] && target=10.0.1.2
        run_plain "$who" "$target"
    done
done
load1="$(cut -d' ' -f1-3 /proc/loadavg)"
guest_alive

# One more flood, outside the timed rounds, counting the monitor's exits from KVM_RUN
# (tracepoint kvm:kvm_userspace_exit) when perf can: exits per round trip.
exits_per_rt="n/a (no perf or no kvm tracepoints)"
exits_per_plain="$exits_per_rt"
if command -v perf >/dev/null && { perf list tracepoint >"$tmp/perf.list" 2>/dev/null || true; } \
    && grep -q 'kvm:kvm_userspace_exit' "$tmp/perf.list"; then
    if perf stat -x, -e kvm:kvm_userspace_exit -p "$guest_pid" -o "$tmp/perf.out" -- \
        ip netns exec "$ns" ping -q -w 300 -f -c "$count" 10.0.0.2 >"$tmp/ping.out" 2>&1; then
        rx="$(awk '/packets transmitted/ { print $4 }' "$tmp/ping.out")"
        ex="$(awk -F, '/kvm_userspace_exit/ { print $1 }' "$tmp/perf.out")"
        if [[ "$rx" =~ ^[0-9]+$ && "$ex" =~ ^[0-9]+$ && "$rx" -gt 0 ]]; then
            exits_per_rt="$(awk -v e="$ex" -v r="$rx" 'BEGIN { printf "%.2f", e / r }') ($ex exits for $rx replies)"
        fi
    fi
    # The same for paced pings: the guest goes idle (POLL blocks in ppoll) between requests.
    if perf stat -x, -e kvm:kvm_userspace_exit -p "$guest_pid" -o "$tmp/perf.out" -- \
        ip netns exec "$ns" ping -q -w 60 -c "$plain" -i 0.05 10.0.0.2 >"$tmp/ping.out" 2>&1; then
        rx="$(awk '/packets transmitted/ { print $4 }' "$tmp/ping.out")"
        ex="$(awk -F, '/kvm_userspace_exit/ { print $1 }' "$tmp/perf.out")"
        if [[ "$rx" =~ ^[0-9]+$ && "$ex" =~ ^[0-9]+$ && "$rx" -gt 0 ]]; then
            exits_per_plain="$(awk -v e="$ex" -v r="$rx" 'BEGIN { printf "%.2f", e / r }') ($ex exits for $rx replies)"
        fi
    fi
fi

# ---- report ------------------------------------------------------------------
# Per round: round trips/s and RTTs (us) from the summary lines.
rate_lines() { cat "$tmp/$1".[0-9]* | awk '{ printf "%.0f %s %s %s %s %s\n", ($2 > 0 ? $3 / ($1 / 1e9) : 0), $2, $3, $4 * 1000, $5 * 1000, $6 * 1000 }'; }
# median and range of column C over lines on stdin: "median min max"
med() { sort -g -k"$1","$1" | awk -v c="$1" '{ v[NR] = $c } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%s %s %s\n", m, v[1], v[NR] }'; }
fmt_rng() { awk -v m="$1" -v lo="$2" -v hi="$3" -v d="$4" 'BEGIN { f = "%." d "f"; printf f " (" f "–" f ")", m, lo, hi }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

declare -A M
for who in ukvm kernel; do
    for t in flood i0; do
        rate_lines "$who.$t" >"$tmp/$who.$t.rates"
        read -r M[$who.$t.rate] M[$who.$t.rate_lo] M[$who.$t.rate_hi] < <(med 1 <"$tmp/$who.$t.rates")
        read -r M[$who.$t.min] _ _ < <(med 4 <"$tmp/$who.$t.rates")
        read -r M[$who.$t.avg] M[$who.$t.avg_lo] M[$who.$t.avg_hi] < <(med 5 <"$tmp/$who.$t.rates")
        read -r M[$who.$t.max] _ _ < <(med 6 <"$tmp/$who.$t.rates")
        M[$who.$t.sent]=$(awk '{ s += $2 } END { print s }' "$tmp/$who.$t.rates")
        M[$who.$t.recv]=$(awk '{ s += $3 } END { print s }' "$tmp/$who.$t.rates")
    done
    sort -g "$tmp/$who.samples" | awk '{ printf "%s\n", $1 * 1000 }' >"$tmp/$who.samples.us"
    read -r M[$who.plain] M[$who.plain_min] M[$who.plain_max] < <(med 1 <"$tmp/$who.samples.us")
    awk '{ print $1 * 1000 }' "$tmp/$who.plainmed" >"$tmp/$who.plainmed.us"
    read -r _ M[$who.plain_lo] M[$who.plain_hi] < <(med 1 <"$tmp/$who.plainmed.us")
    M[$who.plain_recv]=$(awk '{ r += $1; s += $2 } END { print r "/" s }' "$tmp/$who.plaincount")
done
# Monitor CPU per flood round trip (us): user (includes guest time) and system, median over rounds.
cat "$tmp"/ukvm.flood.cpu.* | paste - "$tmp/ukvm.flood.rates" 2>/dev/null \
    | awk -v hz="$hz" '{ printf "%.1f %.1f\n", $1 / hz * 1e6 / $5, $2 / hz * 1e6 / $5 }' >"$tmp/cpu"
read -r cpu_user _ _ < <(med 1 <"$tmp/cpu")
read -r cpu_sys _ _ < <(med 2 <"$tmp/cpu")

verdict() { awk -v v="$1" -v t="$2" -v op="$3" 'BEGIN { ok = (op == ">=") ? (v >= t) : (v < t); print ok ? "**met**" : "**not met**" }'; }

table="$(cat <<EOF
### Network: ICMP echo against \`$(rel "$kernel")\` under ukvm vs. a kernel veth peer

$(date -u +%Y-%m-%dT%H:%MZ), $(uname -r), $(nproc) CPUs, load average $load0 at the start and $load1 at the end.
ukvm = \`$(rel "$ukvm") --mem=$mem --net:service0=tap0\` (guest 10.0.0.2 behind tap0); kernel = 10.0.1.2 on a veth
peer in a second namespace. Pings from the first namespace, $rounds rounds, each round ukvm then kernel.
Values: median over the rounds (range over the rounds). Round trips/s = replies / wall time of the ping process.

| | ukvm (net.hvt via tap) | kernel (veth peer) | ratio ukvm/kernel |
| --- | ---: | ---: | ---: |
| \`ping -f -c $count\`: round trips/s | $(fmt_rng "${M[ukvm.flood.rate]}" "${M[ukvm.flood.rate_lo]}" "${M[ukvm.flood.rate_hi]}" 0) | $(fmt_rng "${M[kernel.flood.rate]}" "${M[kernel.flood.rate_lo]}" "${M[kernel.flood.rate_hi]}" 0) | $(ratio "${M[ukvm.flood.rate]}" "${M[kernel.flood.rate]}") |
| flood RTT min / avg / max (µs) | $(printf '%.0f / %.0f / %.0f' "${M[ukvm.flood.min]}" "${M[ukvm.flood.avg]}" "${M[ukvm.flood.max]}") | $(printf '%.0f / %.0f / %.0f' "${M[kernel.flood.min]}" "${M[kernel.flood.avg]}" "${M[kernel.flood.max]}") | avg $(ratio "${M[ukvm.flood.avg]}" "${M[kernel.flood.avg]}") |
| flood replies / requests (all rounds) | ${M[ukvm.flood.recv]} / ${M[ukvm.flood.sent]} | ${M[kernel.flood.recv]} / ${M[kernel.flood.sent]} | |
| \`ping $interval0 -c $count\`: round trips/s | $(fmt_rng "${M[ukvm.i0.rate]}" "${M[ukvm.i0.rate_lo]}" "${M[ukvm.i0.rate_hi]}" 0) | $(fmt_rng "${M[kernel.i0.rate]}" "${M[kernel.i0.rate_lo]}" "${M[kernel.i0.rate_hi]}" 0) | $(ratio "${M[ukvm.i0.rate]}" "${M[kernel.i0.rate]}") |
| \`$interval0\` RTT min / avg / max (µs) | $(printf '%.0f / %.0f / %.0f' "${M[ukvm.i0.min]}" "${M[ukvm.i0.avg]}" "${M[ukvm.i0.max]}") | $(printf '%.0f / %.0f / %.0f' "${M[kernel.i0.min]}" "${M[kernel.i0.avg]}" "${M[kernel.i0.max]}") | avg $(ratio "${M[ukvm.i0.avg]}" "${M[kernel.i0.avg]}") |
| \`$interval0\` replies / requests (all rounds) | ${M[ukvm.i0.recv]} / ${M[ukvm.i0.sent]} | ${M[kernel.i0.recv]} / ${M[kernel.i0.sent]} | |
| \`ping -c $plain -i 0.05\`: **median RTT (µs)**, all rounds' samples (per-round medians) | $(fmt_rng "${M[ukvm.plain]}" "${M[ukvm.plain_lo]}" "${M[ukvm.plain_hi]}" 0) | $(fmt_rng "${M[kernel.plain]}" "${M[kernel.plain_lo]}" "${M[kernel.plain_hi]}" 0) | $(ratio "${M[ukvm.plain]}" "${M[kernel.plain]}") |
| plain RTT min – max over all samples (µs) | $(printf '%.0f – %.0f' "${M[ukvm.plain_min]}" "${M[ukvm.plain_max]}") | $(printf '%.0f – %.0f' "${M[kernel.plain_min]}" "${M[kernel.plain_max]}") | |
| plain replies / requests | ${M[ukvm.plain_recv]} | ${M[kernel.plain_recv]} | |
| monitor CPU per flood round trip (µs): user incl. guest / system | $cpu_user / $cpu_sys | | |
| monitor exits from KVM_RUN per flood round trip (perf, one extra flood) | $exits_per_rt | | |
| monitor exits from KVM_RUN per paced (\`-i 0.05\`) round trip (perf, one extra run) | $exits_per_plain | | |

Targets (issue): >= 10,000 round trips/s under flood: $(verdict "${M[ukvm.flood.rate]}" 10000 ">=") (${M[ukvm.flood.rate]}/s);
median RTT < 100 µs: $(verdict "${M[ukvm.plain]}" 100 "<") ($(printf '%.0f' "${M[ukvm.plain]}") µs).
EOF
)"
emit "$table"
