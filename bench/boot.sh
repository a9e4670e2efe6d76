#!/usr/bin/env bash
# Boot time of ukvm against the C reference monitor, side by side in one hyperfine run.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

usage() {
    cat <<EOF
usage: bench/boot.sh [options]

Times process start to exit of
    UKVM --mem=MB KERNEL      and      CREF --mem=MB KERNEL
with hyperfine (no shell, warmups, both in one hyperfine run), then prints
min and median of each and the ratio ukvm/cref as a Markdown table.

options:
  --runs N       runs per monitor (default 30, at least 30 recommended)
  --warmup N     warmup runs per monitor (default 3)
  --mem MB       guest memory (default 4)
  --kernel PATH  guest (default out/guest/x86_64/hello.hvt)
  --ukvm PATH    monitor under test (default out/ukvm)
  --cref PATH    reference monitor (default out/bench/ukvm-cref; built from
                 bench/cref/ukvm-cref.c if missing)
  --out FILE     also write the table to FILE (e.g. bench/results/boot-latest.md)
  --json FILE    keep hyperfine's JSON export in FILE (default: a temporary file)
  -h, --help     this text

Both monitors must exit 0 on the guest: each is run once first and its exit
status checked. Timings on this PVM host are noisy: read the ratios.
EOF
}

runs=30 warmup=3 mem=4
kernel="$root/out/guest/x86_64/hello.hvt"
ukvm="$root/out/ukvm"
cref="$root/out/bench/ukvm-cref"
out="" json=""

. "$root/bench/lib.sh"

while [[ $# -gt 0 ]]; do
    case "$1" in
        --runs) need_arg "$@"; runs="$2"; shift 2 ;;
        --warmup) need_arg "$@"; warmup="$2"; shift 2 ;;
        --mem) need_arg "$@"; mem="$2"; shift 2 ;;
        --kernel) need_arg "$@"; kernel="$2"; shift 2 ;;
        --ukvm) need_arg "$@"; ukvm="$2"; shift 2 ;;
        --cref) need_arg "$@"; cref="$2"; shift 2 ;;
        --out) need_arg "$@"; out="$2"; shift 2 ;;
        --json) need_arg "$@"; json="$2"; shift 2 ;;
        --runs=*|--warmup=*|--mem=*|--kernel=*|--ukvm=*|--cref=*|--out=*|--json=*)
            set -- "${1%%=*}" "${1#*=}" "${@:2}" ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument '$1'" ;;
    esac
done

posint --runs "$runs" 2
[[ "$warmup" =~ ^[0-9]+$ ]] || die "--warmup: want a number, got '$warmup'"
[[ "$mem" =~ ^[0-9]+$ && "$mem" -ge 2 ]] || die "--mem: want MiB >= 2, got '$mem'"
[[ "$runs" -ge 30 ]] || echo "boot.sh: warning: --runs $runs is below 30" >&2

# ---- inputs ------------------------------------------------------------------
[[ -e /dev/kvm ]] || die "/dev/kvm is missing: cannot boot guests here"
[[ -f "$kernel" ]] || die "guest '$kernel' not found (build the guest SDK, or pass --kernel PATH)"
[[ -x "$ukvm" ]] || die "monitor '$ukvm' not found or not executable (build ukvm, or pass --ukvm PATH)"
if [[ ! -x "$cref" ]]; then
    if [[ "$cref" == "$root/out/bench/ukvm-cref" ]]; then
        echo "boot.sh: building $cref" >&2
        "$root/bench/cref/build.sh" "$(dirname "$cref")" >&2
    else
        die "reference monitor '$cref' not found or not executable (bench/cref/build.sh OUTDIR)"
    fi
fi
command -v jq >/dev/null || die "jq is needed (apt-get install jq)"
apt_need hyperfine

# ---- cleanup -----------------------------------------------------------------
tmp_dir
[[ -n "$json" ]] || json="$tmp/boot.json"

# ---- sanity: each monitor boots the guest and exits 0 --------------------------
for m in "$ukvm" "$cref"; do
    rc=0
    "$m" --mem="$mem" "$kernel" >"$tmp/check.out" 2>"$tmp/check.err" || rc=$?
    if [[ $rc -ne 0 ]]; then
        echo "--- stdout:" >&2; tail -n 20 "$tmp/check.out" >&2
        echo "--- stderr:" >&2; tail -n 20 "$tmp/check.err" >&2
        die "'$m --mem=$mem $kernel' exited $rc, want 0"
    fi
done

# ---- measure -----------------------------------------------------------------
# hyperfine's progress and summary go to stderr; stdout carries only the table.
hyperfine -N --runs "$runs" --warmup "$warmup" --export-json "$json" \
    --command-name ukvm "$ukvm --mem=$mem $kernel" \
    --command-name ukvm-cref "$cref --mem=$mem $kernel" >&2

# ---- report ------------------------------------------------------------------
# One line per command: name min median mean stddev (seconds).
stat() { jq -r --arg n "$1" '.results[] | select(.command == $n) | "\(.min) \(.median) \(.mean) \(.stddev // 0)"' "$json"; }
read -r u_min u_med u_mean u_sd < <(stat ukvm)
read -r c_min c_med c_mean c_sd < <(stat ukvm-cref)

ms() { awk -v s="$1" 'BEGIN { printf "%.2f", s * 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

table="$(cat <<EOF
### Boot time: process start to exit, \`--mem=$mem $(rel "$kernel")\`

$(date -u +%Y-%m-%dT%H:%MZ), $(uname -r), hyperfine $(hyperfine --version | awk '{print $2}'), $runs runs each after $warmup warmups, no shell.
ukvm = \`$(rel "$ukvm")\`, ukvm-cref = \`$(rel "$cref")\`.

| monitor | min (ms) | median (ms) | mean ± sd (ms) |
| --- | ---: | ---: | ---: |
| ukvm | $(ms "$u_min") | $(ms "$u_med") | $(ms "$u_mean") ± $(ms "$u_sd") |
| ukvm-cref | $(ms "$c_min") | $(ms "$c_med") | $(ms "$c_mean") ± $(ms "$c_sd") |
| **ratio ukvm/cref** | **$(ratio "$u_min" "$c_min")** | **$(ratio "$u_med" "$c_med")** | $(ratio "$u_mean" "$c_mean") |
EOF
)"
emit "$table"
