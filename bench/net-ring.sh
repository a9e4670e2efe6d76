#!/usr/bin/env bash
# The network ring (HVT_FEATURE_RING_IO) against plain hypercalls: ICMP echo rate and latency of
# the net unikernel, and TCP bulk throughput of the http unikernel, with --net-ring=on and off,
# measured alternately in the same run.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

usage() {
    cat <<EOF
usage: bench/net-ring.sh [options]

Makes one private network namespace, ukb-ring-PID (removed on exit, whatever happens), with
tap0 10.0.0.1/24. Nothing is configured in the root namespace and nothing outside it is
addressed. Each round runs, for ring = on and off (the order alternates from round to round),
a fresh monitor each time:
  UKVM --mem=16 --net:service0=tap0 --net-ring=RING -- NET 10.0.0.2
    flood    ping -f -c COUNT         round trips/s = COUNT / wall time of the ping process
    back     ping -i 0 -c COUNT       median RTT (each request as soon as the last reply came)
    plain    ping -c PLAIN -i 0.05    median RTT (the guest idle between requests)
  UKVM --mem=32 --net:service0=tap0 --net-ring=RING -- HTTP --ipv4=10.0.0.2/24   (if HTTP exists)
    bulk     curl of http://10.0.0.2/big (1 MiB) BULK times, one connection each after the
             first: Mbit/s = bytes / wall time of curl
    stream   curl of http://10.0.0.2/bulk (256 MiB, one connection; iperf3-style): Mbit/s =
             bytes / curl's time_total
and, with perf and the kvm tracepoints, per round trip (flood) or per MiB (bulk): the guest's
exits handled by the monitor (kvm:kvm_userspace_exit: hypercalls) and the ring's kicks (port
writes KVM handles itself: kvm:kvm_pio minus those), and the monitor's CPU time (task-clock:
its threads, guest time included). Prints a Markdown table: medians over the rounds, the range,
and the ratio ring/hypercalls, with the issue's targets (>= 10,000 round trips/s, >= 1 Gbit/s).

options:
  --count N      packets per flood (default 10000)
  --plain N      packets per plain run (default 20)
  --bulk N       downloads of /big per bulk run (default 20)
  --rounds N     rounds (default 3)
  --nice N       run the monitors and the clients under nice -n N (e.g. -10 on a busy shared
                 host; both modes alike)
  --ukvm PATH    monitor (default out/ukvm)
  --net PATH     ping responder (default out/guest/x86_64/net.hvt)
  --http PATH    HTTP server (default out/guest/x86_64/http.hvt; skipped if absent)
  --out FILE     also write the table to FILE (e.g. bench/results/net-ring-latest.md)
  -h, --help     this text

Needs root (namespaces, taps), /dev/kvm, /dev/net/tun, ip, ping and, for bulk, curl.
EOF
}

count=10000 plain=20 bulk=20 rounds=3 nice_n=""
ukvm="$root/out/ukvm"
net="$root/out/guest/x86_64/net.hvt"
http="$root/out/guest/x86_64/http.hvt"
out=""

. "$root/bench/lib.sh"

while [[ $# -gt 0 ]]; do
    case "$1" in
        --count) need_arg "$@"; count="$2"; shift 2 ;;
        --plain) need_arg "$@"; plain="$2"; shift 2 ;;
        --bulk) need_arg "$@"; bulk="$2"; shift 2 ;;
        --rounds) need_arg "$@"; rounds="$2"; shift 2 ;;
        --nice) need_arg "$@"; nice_n="$2"; shift 2 ;;
        --ukvm) need_arg "$@"; ukvm="$2"; shift 2 ;;
        --net) need_arg "$@"; net="$2"; shift 2 ;;
        --http) need_arg "$@"; http="$2"; shift 2 ;;
        --out) need_arg "$@"; out="$2"; shift 2 ;;
        --count=*|--plain=*|--bulk=*|--rounds=*|--nice=*|--ukvm=*|--net=*|--http=*|--out=*)
            set -- "${1%%=*}" "${1#*=}" "${@:2}" ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument '$1'" ;;
    esac
done

posint --count "$count" 100
posint --plain "$plain" 3
posint --bulk "$bulk" 1
posint --rounds "$rounds" 1
[[ -z "$nice_n" || "$nice_n" =~ ^-?[0-9]+$ ]] || die "--nice: want an integer, got '$nice_n'"
need_taps
command -v ping >/dev/null || die "ping is needed (apt-get install iputils-ping)"
[[ -f "$net" ]] || die "guest '$net' not found (./build.sh, or pass --net PATH)"
[[ -x "$ukvm" ]] || die "monitor '$ukvm' not found or not executable (./build.sh, or pass --ukvm PATH)"
do_bulk=1
[[ -f "$http" ]] || { echo "net-ring.sh: no '$http': no bulk runs" >&2; do_bulk=0; }
[[ $do_bulk -eq 0 ]] || command -v curl >/dev/null || { echo "net-ring.sh: no curl: no bulk runs" >&2; do_bulk=0; }
nice_cmd=()
[[ -z "$nice_n" ]] || nice_cmd=(nice -n "$nice_n")

use_perf=0
tmp_dir
if command -v perf >/dev/null && { perf list tracepoint >"$tmp/perf.list" 2>/dev/null || true; } \
    && grep -q 'kvm:kvm_userspace_exit' "$tmp/perf.list" && grep -q 'kvm:kvm_pio' "$tmp/perf.list"; then
    use_perf=1
else
    echo "net-ring.sh: no perf or no kvm tracepoints: no exit counts" >&2
fi

# ---- the namespace and the monitor, always removed -------------------------------
ns="ukb-ring-$$"
netns_add "$ns" tap0 10.0.0.1/24

in_ns() { ip netns exec "$ns" ${nice_cmd[@]+"${nice_cmd[@]}"} "$@"; }

# start_guest RING MEM KERNEL ARGS...: the monitor in the background, attached to tap0; $guest_pid
# is its own pid (ip netns exec and nice exec it).
start_guest() {
    local ring="$1" mem="$2" kernel="$3"
    shift 3
    guest_start "$ns" "$tmp/guest.out" ${nice_cmd[@]+"${nice_cmd[@]}"} "$ukvm" --mem="$mem" --net:service0=tap0 \
        --net-ring="$ring" -- "$kernel" "$@"
    guest_attached "$ns" tap0 0.05
}

# measure FILE COMMAND...: runs COMMAND (in the namespace); appends "wall_ns exits pio task_ms"
# for the monitor to FILE (exits and pio "-" without perf).
measure() {
    local file="$1" t0 t1 rc=0
    shift
    guest_alive
    t0="$(date +%s%N)"
    if [[ $use_perf -eq 1 ]]; then
        perf stat -x, -e kvm:kvm_userspace_exit,kvm:kvm_pio,task-clock -p "$guest_pid" -o "$tmp/perf.out" -- \
            ip netns exec "$ns" ${nice_cmd[@]+"${nice_cmd[@]}"} "$@" >"$tmp/cmd.out" 2>&1 || rc=$?
    else
        read -r u0 s0 < <(awk '{ print $14, $15 }' "/proc/$guest_pid/stat")
        in_ns "$@" >"$tmp/cmd.out" 2>&1 || rc=$?
    fi
    t1="$(date +%s%N)"
    guest_alive
    [[ $rc -le 1 ]] || { cat "$tmp/cmd.out" >&2; die "$* failed ($rc)"; }
    if [[ $use_perf -eq 1 ]]; then
        awk -F, -v wall=$((t1 - t0)) '
            /kvm_userspace_exit/ { e = $1 } /kvm_pio/ { p = $1 } /task-clock/ { c = $1 }
            END { printf "%s %s %s %s\n", wall, e, p, c }' "$tmp/perf.out" >>"$file"
    else
        read -r u1 s1 < <(awk '{ print $14, $15 }' "/proc/$guest_pid/stat")
        echo "$((t1 - t0)) - - $(( (u1 - u0 + s1 - s0) * 1000 / $(getconf CLK_TCK) ))" >>"$file"
    fi
}

run_net() {
    local ring="$1" r="$2" rx
    start_guest "$ring" 16 "$net" 10.0.0.2
    guest_until 20 0 in_ns ping -c 1 -W 1 10.0.0.2 || die "10.0.0.2 does not answer ping (--net-ring=$ring)"
    in_ns ping -c 20 -i 0.01 -q 10.0.0.2 >/dev/null
    measure "$tmp/$ring.flood.$r" ping -q -w 300 -f -c "$count" 10.0.0.2
    rx="$(awk '/packets transmitted/ { print $4 }' "$tmp/cmd.out")"
    [[ "$rx" =~ ^[0-9]+$ ]] || { cat "$tmp/cmd.out" >&2; die "cannot parse ping's summary"; }
    echo "$rx $count" >>"$tmp/$ring.flood.rx"
    in_ns ping -c "$count" -i 0 -w 300 10.0.0.2 >"$tmp/ping.out" 2>&1 || true
    sed -n 's/.* time=\([0-9.]*\) ms.*/\1/p' "$tmp/ping.out" | awk '{ print $1 * 1000 }' >>"$tmp/$ring.back"
    in_ns ping -c "$plain" -i 0.05 -w 60 10.0.0.2 >"$tmp/ping.out" 2>&1 || true
    sed -n 's/.* time=\([0-9.]*\) ms.*/\1/p' "$tmp/ping.out" | awk '{ print $1 * 1000 }' >>"$tmp/$ring.plain"
    guest_stop
}

run_bulk() {
    local ring="$1" r="$2" args=() bytes
    start_guest "$ring" 32 "$http" --ipv4=10.0.0.2/24 --solo5:quiet
    guest_until 50 0.1 in_ns curl -s -o /dev/null --max-time 2 http://10.0.0.2/ \
        || die "http://10.0.0.2/ does not answer (--net-ring=$ring)"
    in_ns curl -s -o /dev/null http://10.0.0.2/big
    for _ in $(seq "$bulk"); do args+=(-o /dev/null http://10.0.0.2/big); done
    measure "$tmp/$ring.bulk.$r" curl -s --max-time 120 -w '%{size_download}\n' "${args[@]}"
    bytes="$(awk '{ s += $1 } END { print s + 0 }' "$tmp/cmd.out")"
    [[ "$bytes" -eq $((bulk * 1048576)) ]] || die "curl got $bytes bytes, not $((bulk * 1048576)) (--net-ring=$ring)"
    echo "$bytes" >>"$tmp/$ring.bulk.bytes"
    in_ns curl -s -o /dev/null --max-time 300 -w '%{size_download} %{time_total}\n' http://10.0.0.2/bulk >"$tmp/cmd.out"
    read -r bytes secs <"$tmp/cmd.out"
    [[ "$bytes" -eq 268435456 ]] || die "curl got $bytes bytes of /bulk, not 268435456 (--net-ring=$ring)"
    awk -v b="$bytes" -v t="$secs" 'BEGIN { print b * 8 / t / 1e6 }' >>"$tmp/$ring.stream"
    guest_stop
}

load0="$(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$rounds"); do
    echo "net-ring.sh: round $r/$rounds" >&2
    order=(on off); [[ $((r % 2)) -eq 0 ]] && order=(off on)
    for ring in "${order[@]}"; do run_net "$ring" "$r"; done
    if [[ $do_bulk -eq 1 ]]; then
        for ring in "${order[@]}"; do run_bulk "$ring" "$r"; done
    fi
done
load1="$(cut -d' ' -f1-3 /proc/loadavg)"

# ---- report ------------------------------------------------------------------
# median and range of column 1 on stdin: "median min max"
med() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print "nan nan nan"; exit } m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%s %s %s\n", m, v[1], v[NR] }'; }
fmt_rng() { awk -v m="$1" -v lo="$2" -v hi="$3" -v d="$4" 'BEGIN { if (m == "nan") { print "n/a"; exit } f = "%." d "f"; printf f " (" f "–" f ")", m, lo, hi }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "nan" && b > 0) printf "%.2f", a / b; else print "n/a" }'; }
# per-round values from measure lines: KIND = rate|exits|kicks|cpu, DIV = units per round
per_round() {
    local ring="$1" kind="$2" div="$3"
    cat "$tmp/$ring.$kind_src".[0-9]* 2>/dev/null | awk -v k="$kind" -v d="$div" '
        { wall = $1 / 1e9; e = $2; p = $3; c = $4
          if (k == "rate") print d / wall
          else if (k == "exits") { if (e != "-") print e / d }
          else if (k == "kicks") { if (e != "-") print (p - e) / d }
          else if (k == "cpu") print c * 1000 / d }'
}

declare -A M
for ring in on off; do
    kind_src=flood
    read -r M[$ring.rate] M[$ring.rate_lo] M[$ring.rate_hi] < <(per_round "$ring" rate "$count" | med)
    read -r M[$ring.exits] M[$ring.exits_lo] M[$ring.exits_hi] < <(per_round "$ring" exits "$count" | med)
    read -r M[$ring.kicks] _ _ < <(per_round "$ring" kicks "$count" | med)
    read -r M[$ring.cpu] M[$ring.cpu_lo] M[$ring.cpu_hi] < <(per_round "$ring" cpu "$count" | med)
    read -r M[$ring.plain] M[$ring.plain_min] M[$ring.plain_max] < <(med <"$tmp/$ring.plain")
    read -r M[$ring.back] M[$ring.back_min] M[$ring.back_max] < <(med <"$tmp/$ring.back")
    M[$ring.rx]="$(awk '{ r += $1; s += $2 } END { print r " / " s }' "$tmp/$ring.flood.rx")"
    if [[ $do_bulk -eq 1 ]]; then
        kind_src=bulk
        mib=$bulk
        read -r M[$ring.mbps] M[$ring.mbps_lo] M[$ring.mbps_hi] < <(per_round "$ring" rate "$((bulk * 8388608))" | awk '{ print $1 / 1e6 }' | med)
        read -r M[$ring.bexits] _ _ < <(per_round "$ring" exits "$mib" | med)
        read -r M[$ring.bkicks] _ _ < <(per_round "$ring" kicks "$mib" | med)
        read -r M[$ring.bcpu] _ _ < <(per_round "$ring" cpu "$mib" | awk '{ print $1 / 1000 }' | med)
        read -r M[$ring.stream] M[$ring.stream_lo] M[$ring.stream_hi] < <(med <"$tmp/$ring.stream")
    fi
done

verdict() { awk -v v="$1" -v t="$2" 'BEGIN { print (v != "nan" && v >= t) ? "**met**" : "**not met**" }'; }
num() { awk -v v="$1" -v d="$2" 'BEGIN { if (v == "nan" || v == "") print "n/a"; else printf "%." d "f", v }'; }

bulk_rows=""
if [[ $do_bulk -eq 1 ]]; then
    bulk_rows="$(cat <<EOF
| bulk: \`curl\` of /big x $bulk, **Mbit/s** | $(fmt_rng "${M[on.mbps]}" "${M[on.mbps_lo]}" "${M[on.mbps_hi]}" 0) | $(fmt_rng "${M[off.mbps]}" "${M[off.mbps_lo]}" "${M[off.mbps_hi]}" 0) | **$(ratio "${M[on.mbps]}" "${M[off.mbps]}")** |
| bulk: exits to the monitor / kicks, per MiB | $(num "${M[on.bexits]}" 0) / $(num "${M[on.bkicks]}" 0) | $(num "${M[off.bexits]}" 0) / $(num "${M[off.bkicks]}" 0) | $(ratio "${M[on.bexits]}" "${M[off.bexits]}") |
| bulk: monitor CPU per MiB (ms, guest included) | $(num "${M[on.bcpu]}" 1) | $(num "${M[off.bcpu]}" 1) | $(ratio "${M[on.bcpu]}" "${M[off.bcpu]}") |
| stream: \`curl\` of /bulk (256 MiB, one connection), **Mbit/s** | $(fmt_rng "${M[on.stream]}" "${M[on.stream_lo]}" "${M[on.stream_hi]}" 0) | $(fmt_rng "${M[off.stream]}" "${M[off.stream_lo]}" "${M[off.stream_hi]}" 0) | **$(ratio "${M[on.stream]}" "${M[off.stream]}")** |
EOF
)"
fi

table="$(cat <<EOF
### Network ring (\`--net-ring=on\`) against hypercalls (\`--net-ring=off\`)

$(date -u +%Y-%m-%dT%H:%MZ), $(uname -r), $(nproc) CPUs, load average $load0 at the start and $load1 at the end.
\`$(rel "$ukvm") --net:service0=tap0 --net-ring=on|off\`: \`$(rel "$net")\` (--mem=16) for ICMP, \`$(rel "$http")\` (--mem=32) for TCP;
peer = ping / curl in the same namespace${nice_n:+, everything under nice -n $nice_n}. $rounds rounds, on and off alternately, a fresh monitor each run.
Values: median over the rounds (range over the rounds). Exits (perf): to the monitor = kvm:kvm_userspace_exit
(hypercalls); kicks = the ring's port writes that KVM handles itself (kvm:kvm_pio minus those).

| | ring | hypercalls | ratio ring/hypercalls |
| --- | ---: | ---: | ---: |
| \`ping -f -c $count\`: **round trips/s** | $(fmt_rng "${M[on.rate]}" "${M[on.rate_lo]}" "${M[on.rate_hi]}" 0) | $(fmt_rng "${M[off.rate]}" "${M[off.rate_lo]}" "${M[off.rate_hi]}" 0) | **$(ratio "${M[on.rate]}" "${M[off.rate]}")** |
| flood: exits to the monitor / kicks, per round trip | $(num "${M[on.exits]}" 2) / $(num "${M[on.kicks]}" 2) | $(num "${M[off.exits]}" 2) / $(num "${M[off.kicks]}" 2) | $(ratio "${M[on.exits]}" "${M[off.exits]}") |
| flood: monitor CPU per round trip (µs, guest included) | $(num "${M[on.cpu]}" 1) | $(num "${M[off.cpu]}" 1) | $(ratio "${M[on.cpu]}" "${M[off.cpu]}") |
| flood replies / requests (all rounds) | ${M[on.rx]} | ${M[off.rx]} | |
| \`ping -i 0 -c $count\`: **median RTT (µs)**, all samples (min – max) | $(num "${M[on.back]}" 0) ($(num "${M[on.back_min]}" 0) – $(num "${M[on.back_max]}" 0)) | $(num "${M[off.back]}" 0) ($(num "${M[off.back_min]}" 0) – $(num "${M[off.back_max]}" 0)) | $(ratio "${M[on.back]}" "${M[off.back]}") |
| \`ping -c $plain -i 0.05\`: median RTT (µs), all samples (min – max) | $(num "${M[on.plain]}" 0) ($(num "${M[on.plain_min]}" 0) – $(num "${M[on.plain_max]}" 0)) | $(num "${M[off.plain]}" 0) ($(num "${M[off.plain_min]}" 0) – $(num "${M[off.plain_max]}" 0)) | $(ratio "${M[on.plain]}" "${M[off.plain]}") |
$bulk_rows

Targets (issue), with the ring: >= 10,000 round trips/s under flood: $(verdict "${M[on.rate]}" 10000) ($(num "${M[on.rate]}" 0)/s);
median RTT < 100 µs under \`ping -i 0\`: $(awk -v v="${M[on.back]}" 'BEGIN { print (v != "nan" && v < 100) ? "**met**" : "**not met**" }') ($(num "${M[on.back]}" 0) µs; with the guest idle between requests, \`-i 0.05\`: $(num "${M[on.plain]}" 0) µs)$(
  [[ $do_bulk -eq 1 ]] && echo "; TCP >= 1 Gbit/s: $(verdict "${M[on.stream]}" 1000) ($(num "${M[on.stream]}" 0) Mbit/s on one connection, $(num "${M[on.mbps]}" 0) Mbit/s for 1 MiB objects)").
EOF
)"
emit "$table"
