#!/usr/bin/env bash
# Block device throughput through ukvm (the blkbench unikernel) against the same access pattern
# on the same host file (fio with pread/pwrite, and dd for the sequential cases).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

usage() {
    cat <<EOF
usage: bench/block.sh [options]

Makes a FILE_MB MiB file of random data in DIR (removed on exit), writes it once and syncs it,
then for each case BLOCK:REQUEST (device block size : bytes per request) and each pattern
(seqread, seqwrite, randread, randwrite), in every round:
  ukvm   UKVM --mem=MB --block:storage=FILE --block-sector-size:storage=BLOCK -- KERNEL
             PATTERN SIZE REQUEST seed=ROUND
         (blkbench.hvt times its own loop with solo5_clock_monotonic; a one-block request goes
         through solo5_block_read/write, a larger one is one BLOCK_READ/WRITE hypercall)
  fio    --ioengine=psync (pread/pwrite, like the monitor) --direct=0 --invalidate=0 --bs=REQUEST,
         rw=read|write|randread|randwrite over the same file, random offsets uniform and
         request-aligned (--norandommap), one job, for FIO_SECONDS (sequential wraps around)
  dd     the sequential patterns only: dd bs=REQUEST, HOST_MB MiB (of=/dev/null, if=/dev/zero
         conv=notrunc), no direct I/O
and prints MiB/s (median over the rounds, range), the ratios ukvm/fio and ukvm/dd, and the time
per request. No O_DIRECT anywhere: the monitor uses plain pread/pwrite, so every read is served
from the page cache (the file was just written and is far smaller than RAM) and every write
lands in the page cache; the file is synced (untimed) before each measurement so that each
starts with no dirty pages. Written data: a fixed pattern (ukvm), zeroes (dd, fio).

options:
  --cases LIST     BLOCK:REQUEST,... (default 512:512,4096:4096,4096:65536,4096:1048576)
  --size-mb N      MiB ukvm moves per one-block case (default 32; one exit per block)
  --host-mb N      MiB dd moves per case, and ukvm per multi-block case (default 256)
  --fio-seconds N  how long each fio run lasts (default 2; fio's runtime is in whole ms)
  --file-mb N      size of the file (default 256; at least --host-mb)
  --rounds N       rounds (default 3)
  --dir DIR        where the file goes (default out/bench)
  --mem MB         guest memory (default 16)
  --kernel PATH    guest (default out/guest/x86_64/blkbench.hvt)
  --ukvm PATH      monitor (default out/ukvm; out/ukvm-block works too)
  --no-fio         skip fio (it is installed from Debian when missing)
  --out FILE       also write the table to FILE (e.g. bench/results/block-latest.md)
  -h, --help       this text
EOF
}

cases="512:512,4096:4096,4096:65536,4096:1048576"
size_mb=32 host_mb=256 file_mb=256 rounds=3 mem=16 fio_s=2
dir="$root/out/bench"
kernel="$root/out/guest/x86_64/blkbench.hvt"
ukvm="$root/out/ukvm"
use_fio=1 out=""

die() { echo "block.sh: $*" >&2; exit 1; }
need_arg() { [[ $# -ge 2 && -n "$2" ]] || die "$1 needs a value (see --help)"; }

while [[ $# -gt 0 ]]; do
    case "$1" in
        --cases) need_arg "$@"; cases="$2"; shift 2 ;;
        --size-mb) need_arg "$@"; size_mb="$2"; shift 2 ;;
        --host-mb) need_arg "$@"; host_mb="$2"; shift 2 ;;
        --file-mb) need_arg "$@"; file_mb="$2"; shift 2 ;;
        --fio-seconds) need_arg "$@"; fio_s="$2"; shift 2 ;;
        --rounds) need_arg "$@"; rounds="$2"; shift 2 ;;
        --dir) need_arg "$@"; dir="$2"; shift 2 ;;
        --mem) need_arg "$@"; mem="$2"; shift 2 ;;
        --kernel) need_arg "$@"; kernel="$2"; shift 2 ;;
        --ukvm) need_arg "$@"; ukvm="$2"; shift 2 ;;
        --no-fio) use_fio=0; shift ;;
        --out) need_arg "$@"; out="$2"; shift 2 ;;
        --cases=*|--size-mb=*|--host-mb=*|--file-mb=*|--fio-seconds=*|--rounds=*|--dir=*|--mem=*|--kernel=*|--ukvm=*|--out=*)
            set -- "${1%%=*}" "${1#*=}" "${@:2}" ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument '$1'" ;;
    esac
done

for o in size-mb:size_mb host-mb:host_mb file-mb:file_mb rounds:rounds mem:mem fio-seconds:fio_s; do
    v=${o#*:}
    [[ "${!v}" =~ ^[0-9]+$ && "${!v}" -ge 1 ]] || die "--${o%%:*}: want a positive number, got '${!v}'"
done
[[ "$file_mb" -ge "$host_mb" && "$file_mb" -ge "$size_mb" ]] || die "--file-mb must be at least --host-mb and --size-mb"
[[ "$rounds" -ge 2 ]] || echo "block.sh: warning: one round shows no spread" >&2
IFS=, read -r -a case_list <<<"$cases"
for c in "${case_list[@]}"; do
    [[ "$c" =~ ^([0-9]+):([0-9]+)$ ]] || die "--cases: '$c' is not BLOCK:REQUEST"
    b=${BASH_REMATCH[1]} q=${BASH_REMATCH[2]}
    [[ $b -ge 512 && $((b & (b - 1))) -eq 0 && $q -ge $b && $((q % b)) -eq 0 && $q -le 4194304 ]] \
        || die "--cases: '$c': want a power-of-two block size >= 512 and a request that is a multiple of it, at most 4 MiB"
done

# ---- inputs ------------------------------------------------------------------
[[ -e /dev/kvm ]] || die "/dev/kvm is missing: cannot boot guests here"
[[ -f "$kernel" ]] || die "guest '$kernel' not found (./build.sh builds out/guest/x86_64/blkbench.hvt)"
[[ -x "$ukvm" ]] || die "monitor '$ukvm' not found or not executable (./build.sh, or pass --ukvm PATH)"
if [[ $use_fio -eq 1 ]] && ! command -v fio >/dev/null; then
    echo "block.sh: installing fio" >&2
    if ! { apt-get install -y -qq fio >&2 || { apt-get update -qq >&2 && apt-get install -y -qq fio >&2; }; }; then
        die "could not install fio (apt-get install fio, or --no-fio)"
    fi
fi
[[ $use_fio -eq 0 ]] || command -v jq >/dev/null || die "jq is needed to read fio's JSON (apt-get install jq)"

mkdir -p "$dir"
file="$dir/block-bench-$$.img"
tmp="$(mktemp -d)"
cleanup() { rm -f "$file"; rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "block.sh: writing $file ($file_mb MiB)" >&2
dd if=/dev/urandom of="$file" bs=1M count="$file_mb" status=none
sync "$file"
fs="$(stat -f -c %T "$dir")"

# ---- one measurement each: "bytes ns" appended to $tmp/WHO.BLOCK.REQ.PATTERN ----------
run_ukvm() {  # block req pattern round
    local b="$1" q="$2" p="$3" r="$4" mb rc=0
    mb=$size_mb; [[ $q -eq $b ]] || mb=$host_mb
    sync "$file"
    "$ukvm" --mem="$mem" --block:storage="$file" --block-sector-size:storage="$b" -- "$kernel" \
        "$p" "$mb" "$q" "seed=$r" >"$tmp/guest.out" 2>&1 || rc=$?
    if [[ $rc -ne 0 ]] || ! grep -q '^SUCCESS' "$tmp/guest.out"; then
        tail -n 20 "$tmp/guest.out" >&2
        die "ukvm blkbench $p $mb $q (block size $b) failed (status $rc)"
    fi
    sed -n 's/^RESULT .* bytes=\([0-9]*\) ns=\([0-9]*\).*/\1 \2/p' "$tmp/guest.out" >>"$tmp/ukvm.$b.$q.$p"
}

run_fio() {  # block req pattern round
    local b="$1" q="$2" p="$3" r="$4" rw dir_key
    case "$p" in seqread) rw=read ;; seqwrite) rw=write ;; *) rw="$p" ;; esac
    case "$p" in *read) dir_key=read ;; *) dir_key=write ;; esac
    sync "$file"
    fio --name=blk --filename="$file" --rw="$rw" --bs="$q" --size="${file_mb}m" \
        --time_based --runtime="$fio_s" --ioengine=psync --direct=0 --invalidate=0 --fallocate=none --norandommap \
        --randseed="$r" --scramble_buffers=0 --zero_buffers --numjobs=1 \
        --output-format=json --output="$tmp/fio.json" >"$tmp/fio.log" 2>&1 \
        || { cat "$tmp/fio.log" >&2; die "fio $rw bs=$q failed"; }
    # io_bytes and wall runtime (ms) of the job (clat would leave out fio's own loop).
    jq -r --arg d "$dir_key" '.jobs[0][$d] | "\(.io_bytes) \(.runtime * 1000000)"' "$tmp/fio.json" \
        >>"$tmp/fio.$b.$q.$p"
}

run_dd() {  # block req pattern round
    local b="$1" q="$2" p="$3" n line
    n=$(( host_mb * 1048576 / q ))
    sync "$file"
    case "$p" in
        seqread) LC_ALL=C dd if="$file" of=/dev/null bs="$q" count="$n" 2>"$tmp/dd.err" ;;
        seqwrite) LC_ALL=C dd if=/dev/zero of="$file" bs="$q" count="$n" conv=notrunc 2>"$tmp/dd.err" ;;
        *) return 0 ;;
    esac
    line="$(grep ' copied, ' "$tmp/dd.err")" || { cat "$tmp/dd.err" >&2; die "dd: no summary"; }
    awk '{ for (i = 1; i <= NF; i++) if ($i == "copied,") printf "%s %.0f\n", $1, $(i + 1) * 1e9 }' \
        <<<"$line" >>"$tmp/dd.$b.$q.$p"
}

patterns=(seqread seqwrite randread randwrite)
load0="$(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$rounds"); do
    for c in "${case_list[@]}"; do
        b=${c%%:*} q=${c##*:}
        echo "block.sh: round $r/$rounds, block size $b, request $q" >&2
        for p in "${patterns[@]}"; do
            run_ukvm "$b" "$q" "$p" "$r"
            [[ $use_fio -eq 0 ]] || run_fio "$b" "$q" "$p" "$r"
            run_dd "$b" "$q" "$p" "$r"
        done
    done
done
load1="$(cut -d' ' -f1-3 /proc/loadavg)"

# ---- report ------------------------------------------------------------------
# "median lo hi" of MiB/s over the rounds, from "bytes ns" lines; empty if no file.
mibs() {
    [[ -s "$tmp/$1" ]] || return 0
    awk '{ if ($2 > 0) print $1 / 1048576 / ($2 / 1e9) }' "$tmp/$1" | sort -g \
        | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; print m, v[1], v[NR] }'
}
fmt() {  # "median lo hi" -> "m (lo–hi)"
    [[ -n "$1" ]] || { echo "–"; return; }
    awk -v s="$1" 'BEGIN { split(s, a, " ")
        d = (a[1] >= 100) ? 0 : (a[1] >= 10 ? 1 : 2); f = "%." d "f"
        printf f " (" f "–" f ")", a[1], a[2], a[3] }'
}
ratio() { [[ -n "$1" && -n "$2" ]] || { echo "–"; return; }; awk -v a="${1%% *}" -v b="${2%% *}" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "n/a" }'; }
us_per_req() { [[ -n "$1" ]] || { echo "–"; return; }; awk -v m="${1%% *}" -v q="$2" 'BEGIN { printf "%.1f", q / (m * 1048576) * 1e6 }'; }

rows=""
for c in "${case_list[@]}"; do
    b=${c%%:*} q=${c##*:}
    for p in "${patterns[@]}"; do
        u="$(mibs "ukvm.$b.$q.$p")" f="$(mibs "fio.$b.$q.$p")" d="$(mibs "dd.$b.$q.$p")"
        how="SDK, 1 block"; [[ $q -eq $b ]] || how="hypercall, $((q / b)) blocks"
        rows+="| $b | $q ($how) | $p | $(fmt "$u") | $(fmt "$f") | **$(ratio "$u" "$f")** | $(fmt "$d") | $(ratio "$u" "$d") | $(us_per_req "$u" "$q") | $(us_per_req "$f" "$q") |"$'\n'
    done
done

rel() { case "$1" in "$root"/*) echo "${1#"$root"/}" ;; *) echo "$1" ;; esac; }
fio_v="no fio"; [[ $use_fio -eq 0 ]] || fio_v="$(fio --version)"
table="$(cat <<EOF
### Block: blkbench.hvt under ukvm vs. the same pattern on the host file

$(date -u +%Y-%m-%dT%H:%MZ), $(uname -r), $(nproc) CPUs, load average $load0 at the start and $load1 at the end; $fio_v.
ukvm = \`$(rel "$ukvm") --mem=$mem --block:storage=FILE --block-sector-size:storage=BLOCK $(rel "$kernel")\`.
FILE: $file_mb MiB on $fs ($(rel "$dir")), written and synced first; no O_DIRECT anywhere, so reads come from the
page cache and writes go to it (synced, untimed, before each measurement). ukvm moves $size_mb MiB per one-block
case and $host_mb MiB per multi-block case; fio (psync: pread/pwrite, one job, random offsets uniform and
request-aligned) runs ${fio_s} s per measurement, wrapping around the file; dd moves $host_mb MiB. MiB/s: median
over $rounds rounds (range).

| block | request bytes | pattern | ukvm MiB/s | host fio MiB/s | ukvm/fio | host dd MiB/s | ukvm/dd | ukvm µs/request | fio µs/request |
| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${rows%$'\n'}
EOF
)"
echo "$table"
if [[ -n "$out" ]]; then
    mkdir -p "$(dirname "$out")"
    printf '%s\n' "$table" >"$out"
    echo "block.sh: wrote $out" >&2
fi
