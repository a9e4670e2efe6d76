#!/usr/bin/env bash
# Requests per second and latency of one http unikernel, measured with wrk.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

usage() {
    cat <<EOF
usage: bench/density/wrk.sh [options]

Boots one http.hvt under ukvm (--mem=MB) on a tap in a network namespace that
the script makes and removes (host side 10.0.0.1/24, guest 10.0.0.2), then runs
wrk inside the namespace against it: keep-alive GET of PATHS with each of the
CONNECTIONS counts, DURATION each, and prints requests/s, throughput and
latency percentiles (50/75/90/99) as Markdown (also to --out). Needs root and
/dev/kvm; installs wrk, curl and iproute2 from Debian if missing.

options:
  --ukvm PATH         monitor (default out/ukvm)
  --kernel PATH       unikernel (default out/guest/x86_64/http.hvt)
  --mem MB            guest memory (default 16)
  --connections LIST  comma-separated (default 1,10,50)
  --paths LIST        comma-separated (default /,/big)
  --duration SECONDS  per run (default 10)
  --threads N         wrk threads (default 2)
  --out FILE          Markdown also to FILE (default bench/results/wrk.md; - for stdout only)
  --note TEXT         a line for the report (e.g. which monitor build)
  -h, --help          this text
EOF
}

ukvm="$root/out/ukvm" kernel="$root/out/guest/x86_64/http.hvt" mem=16
conns="1,10,50" paths="/,/big" duration=10 threads=2 out="$root/bench/results/wrk.md"
note=""
. "$root/bench/lib.sh"
while [ $# -gt 0 ]; do
    case "$1" in
    --ukvm) ukvm="$2"; shift ;;
    --kernel) kernel="$2"; shift ;;
    --mem) mem="$2"; shift ;;
    --connections) conns="$2"; shift ;;
    --paths) paths="$2"; shift ;;
    --duration) duration="$2"; shift ;;
    --threads) threads="$2"; shift ;;
    --out) out="$2"; shift ;;
    --note) note="$2"; shift ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
    esac
    shift
done
[ "$(id -u)" = 0 ] || die "needs root"
[ -w /dev/kvm ] || die "needs /dev/kvm"
[ -x "$ukvm" ] && [ -f "$kernel" ] || die "no $ukvm or $kernel (./build.sh)"
ukvm="$(realpath "$ukvm")" kernel="$(realpath "$kernel")"
apt_need wrk curl ip:iproute2

ns="ukb-wrk-$$"
tmp_dir
trap 'echo "wrk.sh: interrupted" >&2; exit 130' INT TERM

netns_add "$ns" tap0 10.0.0.1/24
guest_start "$ns" "$tmp/server.out" "$ukvm" --mem="$mem" --net:service0=tap0 -- "$kernel" --solo5:quiet \
    --ipv4=10.0.0.2/24
guest_until 100 0.1 ip netns exec "$ns" curl -s -o /dev/null --max-time 1 http://10.0.0.2/ \
    || die "the unikernel does not answer: $(cat "$tmp/server.out")"

# wrk's --latency output -> "req/s transfer/s p50 p75 p90 p99 requests errors non2xx"
parse() {
    awk '
    function us(v) { if (v ~ /us$/) return v + 0; if (v ~ /ms$/) return v * 1000; if (v ~ /s$/) return v * 1000000; return v }
    /^ +50%/ { p50 = us($2) } /^ +75%/ { p75 = us($2) } /^ +90%/ { p90 = us($2) } /^ +99%/ { p99 = us($2) }
    /^Requests\/sec:/ { rps = $2 } /^Transfer\/sec:/ { tps = $2 }
    / requests in / { reqs = $1 }
    /Socket errors:/ { gsub(",", ""); errs = $4 + $6 + $8 + $10 }
    /Non-2xx or 3xx responses:/ { non2xx = $5 }
    END { printf "%s %s %.0f %.0f %.0f %.0f %s %d %d\n", rps, tps, p50, p75, p90, p99, reqs, errs, non2xx }'
}
fmt_us() { awk -v u="$1" 'BEGIN { if (u >= 1000) printf "%.2f ms", u / 1000; else printf "%d us", u }'; }

rows=""
IFS=',' read -ra conn_list <<<"$conns"
IFS=',' read -ra path_list <<<"$paths"
for path in "${path_list[@]}"; do
    for c in "${conn_list[@]}"; do
        t=$threads
        [ "$t" -gt "$c" ] && t=$c
        echo "wrk.sh: GET $path, $c connections, ${duration}s" >&2
        ip netns exec "$ns" wrk -t"$t" -c"$c" -d"${duration}s" --timeout 30s --latency "http://10.0.0.2$path" \
            >"$tmp/wrk.out" 2>&1 &
        wait $!
        read -r rps tps p50 p75 p90 p99 reqs errs non2xx < <(parse <"$tmp/wrk.out")
        rows+="| \`$path\` | $c | ${rps:-?} | ${tps:-?} | $(fmt_us "$p50") | $(fmt_us "$p75") | $(fmt_us "$p90") | $(fmt_us "$p99") | ${reqs:-?} | $errs / $non2xx |"$'\n'
    done
done
if kill -0 "$guest_pid" 2>/dev/null; then
    alive=yes
else
    wait "$guest_pid"
    alive="no, exit status $?: $(tail -n 3 "$tmp/server.out" | tr '\n' ' ')"
    guest_pid=""
fi
status=$(ip netns exec "$ns" curl -s --max-time 5 http://10.0.0.2/status | head -n 1)

monitor_version=$("$ukvm" --version 2>&1 | head -n 1)
dotnet_env=$(env | grep '^DOTNET_' | sort | tr '\n' ' ' | sed 's/ $//')
report() {
    cat <<EOF
# wrk against one http unikernel ($(basename "$kernel"), --mem=$mem) under ukvm

$(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -r), $(nproc) cores; wrk $threads threads, keep-alive,
${duration} s per row, inside the namespace (client and unikernel share the host's cores).

| path | connections | requests/s | transfer/s | p50 | p75 | p90 | p99 | requests | socket errors / non-2xx |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${rows}
${note:+$note

}Monitor: \`$ukvm\` ($monitor_version).
Monitor environment (DOTNET_* variables passed through): ${dotnet_env:-none}.

Server still running afterwards: $alive; its /status: \`$status\`.

Reproduce: \`bench/density/wrk.sh\` (root, /dev/kvm; \`./build.sh\` first).
EOF
}
report
if [ "$out" != - ]; then
    mkdir -p "$(dirname "$out")"
    report >"$out"
    echo "wrk.sh: written to $out" >&2
fi
