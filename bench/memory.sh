#!/usr/bin/env bash
# Memory of a running monitor (ukvm and the C reference, side by side), guest memory counted apart.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

usage() {
    cat <<EOF
usage: bench/memory.sh [options] [-- GUEST_ARGS...]

Starts  UKVM --mem=MB KERNEL  and then  CREF --mem=MB KERNEL, each with a guest that stays
alive, waits, reads /proc/PID/smaps_rollup and /proc/PID/smaps, and prints a Markdown table:
total Rss/Pss, the guest memory mapping's Rss, and the monitor's own Rss and Private_Dirty
outside guest memory (target for ukvm: Private_Dirty at most 1 MB).

The guest memory mapping is the anonymous mapping whose size is the guest memory size (or a
run of adjacent anonymous mappings adding up to it, when the monitor mprotects ELF segments).

options:
  --kernel PATH  guest that stays alive a few seconds (default: out/guest/x86_64/time.hvt,
                 else sleep.hvt or idle.hvt there)
  --mem MB       guest memory (default 16; a multiple of 2)
  --wait SECS    time between start and measurement (default 1)
  --ukvm PATH    monitor under test (default out/ukvm)
  --cref PATH    reference monitor (default out/bench/ukvm-cref; built if missing)
  --out FILE     also write the table to FILE
  -h, --help     this text
EOF
}

mem=16 wait_s=1
kernel=""
ukvm="$root/out/ukvm"
cref="$root/out/bench/ukvm-cref"
out=""
guest_args=()

die() { echo "memory.sh: $*" >&2; exit 1; }
need_arg() { [[ $# -ge 2 && -n "$2" ]] || die "$1 needs a value (see --help)"; }

while [[ $# -gt 0 ]]; do
    case "$1" in
        --kernel) need_arg "$@"; kernel="$2"; shift 2 ;;
        --mem) need_arg "$@"; mem="$2"; shift 2 ;;
        --wait) need_arg "$@"; wait_s="$2"; shift 2 ;;
        --ukvm) need_arg "$@"; ukvm="$2"; shift 2 ;;
        --cref) need_arg "$@"; cref="$2"; shift 2 ;;
        --out) need_arg "$@"; out="$2"; shift 2 ;;
        --kernel=*|--mem=*|--wait=*|--ukvm=*|--cref=*|--out=*)
            set -- "${1%%=*}" "${1#*=}" "${@:2}" ;;
        -h|--help) usage; exit 0 ;;
        --) shift; guest_args=("$@"); break ;;
        *) usage >&2; die "unknown argument '$1'" ;;
    esac
done

[[ "$mem" =~ ^[0-9]+$ && "$mem" -ge 2 && $((mem % 2)) -eq 0 && "$mem" -le 1024 ]] \
    || die "--mem: want an even number of MiB in 2..1024, got '$mem'"
[[ "$wait_s" =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "--wait: want seconds, got '$wait_s'"
mem_bytes=$((mem * 1024 * 1024))

# ---- inputs ------------------------------------------------------------------
[[ -e /dev/kvm ]] || die "/dev/kvm is missing: cannot boot guests here"
if [[ -z "$kernel" ]]; then
    for k in time.hvt sleep.hvt idle.hvt; do
        if [[ -f "$root/out/guest/x86_64/$k" ]]; then kernel="$root/out/guest/x86_64/$k"; break; fi
    done
    [[ -n "$kernel" ]] || die "no default guest (out/guest/x86_64/time.hvt, sleep.hvt, idle.hvt): pass --kernel PATH to a guest that stays alive a few seconds"
fi
[[ -f "$kernel" ]] || die "guest '$kernel' not found"
[[ -x "$ukvm" ]] || die "monitor '$ukvm' not found or not executable (build ukvm, or pass --ukvm PATH)"
if [[ ! -x "$cref" ]]; then
    if [[ "$cref" == "$root/out/bench/ukvm-cref" ]]; then
        echo "memory.sh: building $cref" >&2
        "$root/bench/cref/build.sh" "$(dirname "$cref")" >&2
    else
        die "reference monitor '$cref' not found or not executable (bench/cref/build.sh OUTDIR)"
    fi
fi

# ---- cleanup -----------------------------------------------------------------
tmp="$(mktemp -d)"
child="" owner=""
stop_child() {  # the monitor we started and, if it is a wrapper, the descendant that owns the VM
    local p
    for p in $owner $child; do
        if kill -0 "$p" 2>/dev/null; then
            kill -TERM "$p" 2>/dev/null || true
            for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
            kill -KILL "$p" 2>/dev/null || true
        fi
    done
    [[ -z "$child" ]] || wait "$child" 2>/dev/null || true
    child="" owner=""
}
cleanup() { stop_child; rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The process that owns the VM: PID itself or, if PID is a wrapper, a descendant
# holding a KVM VM file descriptor.
vm_owner() {
    local p q
    for p in "$1" $(pgrep -P "$1" 2>/dev/null || true); do
        if ls -l "/proc/$p/fd" 2>/dev/null | grep -q 'anon_inode:kvm-vm'; then echo "$p"; return 0; fi
    done
    for p in $(pgrep -P "$1" 2>/dev/null || true); do
        q="$(vm_owner "$p")" && { echo "$q"; return 0; }
    done
    return 1
}

# measure NAME MONITOR -> writes "$tmp/NAME.vals": key value (kB) lines
measure() {
    local name="$1" mon="$2" pid
    "$mon" --mem="$mem" "$kernel" "${guest_args[@]}" >"$tmp/$name.out" 2>"$tmp/$name.err" &
    child=$!
    sleep "$wait_s"
    if ! kill -0 "$child" 2>/dev/null; then
        local rc=0; wait "$child" || rc=$?; child=""
        tail -n 5 "$tmp/$name.err" >&2
        die "$name exited (status $rc) before the measurement: pick a guest that stays alive (--kernel), or a shorter --wait"
    fi
    pid="$(vm_owner "$child")" || die "$name (pid $child): no process with a KVM VM fd found"
    [[ "$pid" == "$child" ]] || owner="$pid"
    cat "/proc/$pid/smaps_rollup" >"$tmp/$name.rollup"
    cat "/proc/$pid/smaps" >"$tmp/$name.smaps"
    stop_child

    # Guest memory: an anonymous mapping of exactly mem_bytes, else the first run of
    # address-adjacent anonymous mappings adding up to exactly mem_bytes.
    awk -v want="$mem_bytes" -v name="$name" '
        function hex(s,   i, c, v) { v = 0; s = tolower(s)
            for (i = 1; i <= length(s); i++) { c = index("0123456789abcdef", substr(s, i, 1)) - 1; v = v * 16 + c }
            return v }
        /^[0-9a-f]+-[0-9a-f]+ / {
            n++; split($1, r, "-"); lo[n] = hex(r[1]); hi[n] = hex(r[2])
            path = $6; for (i = 7; i <= NF; i++) path = path " " $i
            anon[n] = (path == "" || path ~ /^\[anon:/); desc[n] = $1 " " $2 " " path; next }
        n && $1 ~ /:$/ { key = substr($1, 1, length($1) - 1); v[n, key] = $2 }
        END {
            g0 = 0; g1 = 0
            for (i = 1; i <= n && !g0; i++) if (anon[i] && hi[i] - lo[i] == want) { g0 = i; g1 = i }
            for (i = 1; i <= n && !g0; i++) {
                if (!anon[i]) continue
                sum = 0
                for (j = i; j <= n && anon[j] && (j == i || lo[j] == hi[j - 1]); j++) {
                    sum += hi[j] - lo[j]
                    if (sum == want) { g0 = i; g1 = j; break }
                    if (sum > want) break
                }
            }
            if (!g0) { print "no anonymous mapping (or adjacent run) of " want " bytes" > "/dev/stderr"; exit 2 }
            for (i = g0; i <= g1; i++) {
                print "memory.sh: " name " guest memory: " desc[i] > "/dev/stderr"
                grss += v[i, "Rss"]; gpss += v[i, "Pss"]; gpd += v[i, "Private_Dirty"]; gpc += v[i, "Private_Clean"]
            }
            print "guest_Rss", grss; print "guest_Pss", gpss
            print "guest_Private_Dirty", gpd; print "guest_Private_Clean", gpc
            print "guest_vmas", g1 - g0 + 1
        }' "$tmp/$name.smaps" >"$tmp/$name.vals" \
        || die "$name: could not find the ${mem} MiB guest memory mapping in /proc/$pid/smaps"
    awk '$1 ~ /^(Rss|Pss|Shared_Clean|Shared_Dirty|Private_Clean|Private_Dirty|Anonymous|Swap):$/ {
            print "total_" substr($1, 1, length($1) - 1), $2 }' "$tmp/$name.rollup" >>"$tmp/$name.vals"
}

measure ukvm "$ukvm"
measure cref "$cref"

val() { awk -v k="$2" '$1 == k { print $2; f = 1 } END { if (!f) print 0 }' "$tmp/$1.vals"; }
kib() { printf '%d' "$1"; }
row() {  # label, expression over the two monitors' values
    local label="$1" u c
    u="$(eval "n=ukvm; $2")" c="$(eval "n=cref; $2")"
    echo "| $label | $(kib "$u") | $(kib "$c") |"
}
outside() { echo $(( $(val "$n" "total_$1") - $(val "$n" "guest_$1") )); }
u_pd=$(( $(val ukvm total_Private_Dirty) - $(val ukvm guest_Private_Dirty) ))
verdict="over target"; [[ $u_pd -le 1024 ]] && verdict="within target"

rel() { case "$1" in "$root"/*) echo "${1#"$root"/}" ;; *) echo "$1" ;; esac; }
table="$(cat <<EOF
### Memory of a running monitor: \`--mem=$mem $(rel "$kernel")\`, measured ${wait_s} s after start

$(date -u +%Y-%m-%dT%H:%MZ), $(uname -r). KiB, from /proc/PID/smaps_rollup and /proc/PID/smaps.
ukvm = \`$(rel "$ukvm")\`, ukvm-cref = \`$(rel "$cref")\`.

| KiB | ukvm | ukvm-cref |
| --- | ---: | ---: |
$(row "total Rss" 'val $n total_Rss')
$(row "total Pss" 'val $n total_Pss')
$(row "guest memory Rss" 'val $n guest_Rss')
$(row "monitor Rss outside guest memory" 'outside Rss')
$(row "monitor Pss outside guest memory" 'outside Pss')
$(row "**monitor Private_Dirty outside guest memory** (target <= 1024)" 'outside Private_Dirty')
$(row "monitor Private_Clean outside guest memory" 'outside Private_Clean')
$(row "Shared_Clean" 'val $n total_Shared_Clean')
$(row "Shared_Dirty" 'val $n total_Shared_Dirty')

ukvm's Private_Dirty outside guest memory: $(kib "$u_pd") KiB, $verdict (1024 KiB).
EOF
)"
echo "$table"
if [[ -n "$out" ]]; then
    mkdir -p "$(dirname "$out")"
    printf '%s\n' "$table" >"$out"
    echo "memory.sh: wrote $out" >&2
fi
