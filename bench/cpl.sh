#!/usr/bin/env bash
# What CPL3 changes against CPL0 on ukvm: boot time, a compute loop, the hypercall round trip.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

usage() {
    cat <<EOF
usage: bench/cpl.sh [options]

Runs the same unikernel (guest/tests/cplbench) on the same monitor at CPL3 (the
default: the SDK takes ukvm's UKVM_FEATURE_USERMODE) and at CPL0 (the SDK's
--solo5:kernelmode option), side by side in one run, and prints a Markdown table:
  - boot: process start to exit of  UKVM --mem=MB cplbench.hvt  (no work), with
    the SDK's banner and with --solo5:quiet; hyperfine, the four commands in each
    run, the order rotated between runs; min and median; and the guest's own time
    inside KVM_RUN for the same boots (strace -T; skipped without strace);
  - loop: ns per iteration of cplbench's integer mix loop (--loop N at CPL3,
    --loop-cpl0 N at CPL0, smaller because every CPL0 instruction is emulated on
    this host's KVM);
  - hypercall: us per WALLTIME round trip (cplbench hypercalls N);
loop and hypercall runs alternate CPL3 and CPL0, --reps of each; min and median.
Then every guest test (guest/tests/run.sh's list, without blk and net) once at
CPL3 and once at CPL0, to show what fails at CPL0.

options:
  --runs N          hyperfine runs per boot command in all (default 30, at least 30 recommended)
  --rounds N        hyperfine invocations they are split into, the commands' order
                    rotated each time (default 3)
  --warmup N        hyperfine warmup runs per command (default 3)
  --reps N          runs per mode of the loop and the hypercall benchmark (default 5)
  --loop N          loop iterations at CPL3 (default 1000000)
  --loop-cpl0 N     loop iterations at CPL0 (default 100000)
  --hypercalls N    WALLTIME hypercalls per run, both modes (default 10000)
  --mem MB          guest memory (default 4)
  --ukvm PATH       monitor (default out/ukvm)
  --kernel PATH     the benchmark guest (default out/guest/x86_64/cplbench.hvt)
  --guests DIR      the guest tests (default: the kernel's directory)
  --no-tests        skip the guest tests
  --out FILE        also write the table to FILE (e.g. bench/results/cpl-latest.md)
  --json FILE       keep the boot times (hyperfine's, pooled per command) as JSON in FILE
  -h, --help        this text

Timings on this PVM host are inflated and noisy: read the ratios.
EOF
}

runs=30 rounds=3 warmup=3 reps=5 loop3=1000000 loop0=100000 hcalls=10000 mem=4 tests=1
ukvm="$root/out/ukvm"
kernel="$root/out/guest/x86_64/cplbench.hvt"
guests="" out="" json=""

. "$root/bench/lib.sh"

while [[ $# -gt 0 ]]; do
    case "$1" in
        --runs) need_arg "$@"; runs="$2"; shift 2 ;;
        --rounds) need_arg "$@"; rounds="$2"; shift 2 ;;
        --warmup) need_arg "$@"; warmup="$2"; shift 2 ;;
        --reps) need_arg "$@"; reps="$2"; shift 2 ;;
        --loop) need_arg "$@"; loop3="$2"; shift 2 ;;
        --loop-cpl0) need_arg "$@"; loop0="$2"; shift 2 ;;
        --hypercalls) need_arg "$@"; hcalls="$2"; shift 2 ;;
        --mem) need_arg "$@"; mem="$2"; shift 2 ;;
        --ukvm) need_arg "$@"; ukvm="$2"; shift 2 ;;
        --kernel) need_arg "$@"; kernel="$2"; shift 2 ;;
        --guests) need_arg "$@"; guests="$2"; shift 2 ;;
        --no-tests) tests=0; shift ;;
        --out) need_arg "$@"; out="$2"; shift 2 ;;
        --json) need_arg "$@"; json="$2"; shift 2 ;;
        --runs=*|--rounds=*|--warmup=*|--reps=*|--loop=*|--loop-cpl0=*|--hypercalls=*|--mem=*|--ukvm=*|\
        --kernel=*|--guests=*|--out=*|--json=*)
            set -- "${1%%=*}" "${1#*=}" "${@:2}" ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument '$1'" ;;
    esac
done

posint --runs "$runs" 2
posint --rounds "$rounds" 1
posint --warmup "$warmup" 0
posint --reps "$reps" 1
posint --loop "$loop3" 1
posint --loop-cpl0 "$loop0" 1
posint --hypercalls "$hcalls" 1
posint --mem "$mem" 2
[[ "$runs" -ge 30 ]] || echo "cpl.sh: warning: --runs $runs is below 30" >&2
[[ -n "$guests" ]] || guests="$(dirname "$kernel")"

# ---- inputs ------------------------------------------------------------------
[[ -e /dev/kvm ]] || die "/dev/kvm is missing: cannot boot guests here"
[[ -f "$kernel" ]] || die "guest '$kernel' not found (./build.sh --no-deps, or pass --kernel PATH)"
[[ -x "$ukvm" ]] || die "monitor '$ukvm' not found or not executable (build ukvm, or pass --ukvm PATH)"
command -v jq >/dev/null || die "jq is needed (apt-get install jq)"
apt_need hyperfine

tmp_dir
[[ -n "$json" ]] || json="$tmp/boot.json"

K=--solo5:kernelmode
declare -A exits=() k_min=() k_med=()
# min and median of a file of numbers, each divided by DIV: minmed FILE DIV
minmed() {
    sort -n "$1" | awk -v d="$2" '{ v[NR] = $1 } END {
        med = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        printf "%s %s\n", v[1] / d, med / d }'
}
# mode -> the SDK options that select it (CPL3 is the default)
declare -A opt=([3]="" [0]="$K")

# ---- sanity: each mode boots, runs where it should, exits 0 -------------------
# Runs the benchmark guest: run MODE OUTFILE GUEST_ARGS...
run() {
    local mode=$1 o=$2 rc=0
    shift 2
    "$ukvm" --mem="$mem" "$kernel" ${opt[$mode]} "$@" >"$o" 2>&1 || rc=$?
    if [[ $rc -ne 0 ]] || ! grep -q "cpl=$mode\b" "$o"; then
        echo "--- output:" >&2; tail -n 20 "$o" >&2
        die "'$ukvm --mem=$mem $kernel ${opt[$mode]} $*' exited $rc (want 0) or did not run at CPL$mode"
    fi
}
for m in 3 0; do
    run "$m" "$tmp/check.out"
    grep -q "application at CPL$m\$" "$tmp/check.out" \
        || die "the SDK's banner does not say 'application at CPL$m' (${opt[$m]:-no option})"
done

# ---- boot --------------------------------------------------------------------
# The four commands in --rounds hyperfine runs, the order rotated each round so
# that a change in the machine's load does not fall on one command; the times of
# all rounds pooled per command. hyperfine's progress and summary go to stderr;
# stdout carries only the table.
names=(cpl3 cpl0 cpl3-quiet cpl0-quiet)
declare -A cmdline=(
    [cpl3]="$ukvm --mem=$mem $kernel"
    [cpl0]="$ukvm --mem=$mem $kernel $K"
    [cpl3-quiet]="$ukvm --mem=$mem $kernel --solo5:quiet"
    [cpl0-quiet]="$ukvm --mem=$mem $kernel --solo5:quiet $K"
)
per=$(( (runs + rounds - 1) / rounds ))
echo "cpl.sh: boot, $rounds hyperfine runs of $per runs of each of 4 commands" >&2
for ((r = 0; r < rounds; r++)); do
    args=()
    for ((j = 0; j < 4; j++)); do
        n=${names[(j + r) % 4]}
        args+=(--command-name "$n" "${cmdline[$n]}")
    done
    hyperfine -N --runs "$per" --warmup "$warmup" --export-json "$tmp/boot-$r.json" "${args[@]}" >&2
done
jq -s '{results: ([.[].results[]] | group_by(.command)
        | map({command: .[0].command, times: (map(.times) | add)}))}' "$tmp"/boot-*.json >"$json"
stat() {
    jq -r --arg n "$1" '.results[] | select(.command == $n) | .times | sort | length as $l
        | "\(.[0]) \(if $l % 2 == 1 then .[($l - 1) / 2] else (.[$l / 2 - 1] + .[$l / 2]) / 2 end) \($l)"' "$json"
}
read -r b3_min b3_med boot_n < <(stat cpl3)
read -r b0_min b0_med _ < <(stat cpl0)
read -r q3_min q3_med _ < <(stat cpl3-quiet)
read -r q0_min q0_med _ < <(stat cpl0-quiet)

# The guest's own share of a boot: the time spent inside KVM_RUN (strace -T), summed
# per run; $reps runs of each command, alternating. Process start and KVM setup,
# which dominate the whole-process times above, are left out.
kvm_rows=""
if command -v strace >/dev/null; then
    echo "cpl.sh: boot, time inside KVM_RUN (strace -T), $reps runs of each" >&2
    for c in cpl3 cpl0 cpl3-quiet cpl0-quiet; do : >"$tmp/kvm-$c"; done
    for ((i = 0; i < reps; i++)); do
        for c in cpl3 cpl0 cpl3-quiet cpl0-quiet; do
            a=(); [[ $c == *quiet ]] && a+=(--solo5:quiet); [[ $c == cpl0* ]] && a+=("$K")
            strace -f -T -e trace=ioctl -o "$tmp/strace" "$ukvm" --mem="$mem" "$kernel" "${a[@]}" \
                >/dev/null 2>&1 || die "'$ukvm --mem=$mem $kernel ${a[*]}' under strace failed"
            grep 'KVM_RUN' "$tmp/strace" | sed -n 's/.*<\([0-9.]*\)>$/\1/p' |
                awk '{ s += $1 } END { printf "%.0f\n", s * 1e6 }' >>"$tmp/kvm-$c"
            exits[$c]=$(grep -c 'KVM_RUN' "$tmp/strace")
        done
    done
    for c in cpl3 cpl0 cpl3-quiet cpl0-quiet; do read -r "k_min[$c]" "k_med[$c]" < <(minmed "$tmp/kvm-$c" 1000); done
fi

# ---- loop and hypercalls -----------------------------------------------------
# Alternating runs; each RESULT line's ps_per_op goes to $tmp/MODE-BENCH.
bench() {
    local name=$1 n3=$2 n0=$3 i m n
    echo "cpl.sh: $name, $reps runs at CPL3 (N=$n3) and at CPL0 (N=$n0), alternating" >&2
    : >"$tmp/3-$name"; : >"$tmp/0-$name"
    for ((i = 0; i < reps; i++)); do
        for m in 3 0; do
            n=$n3; [[ $m == 0 ]] && n=$n0
            run "$m" "$tmp/run.out" --solo5:quiet "$name" "$n"
            sed -n 's/^RESULT .* ps_per_op=\([0-9]*\) .*/\1/p' "$tmp/run.out" >>"$tmp/$m-$name"
            [[ -s "$tmp/$m-$name" ]] || die "no RESULT line from cplbench $name $n"
        done
    done
}
bench loop "$loop3" "$loop0"
bench hypercalls "$hcalls" "$hcalls"
read -r l3_min l3_med < <(minmed "$tmp/3-loop" 1000)         # ns per iteration
read -r l0_min l0_med < <(minmed "$tmp/0-loop" 1000)
read -r h3_min h3_med < <(minmed "$tmp/3-hypercalls" 1000000) # us per round trip
read -r h0_min h0_med < <(minmed "$tmp/0-hypercalls" 1000000)

# Instructions per loop iteration, from the image: the loop in mix_loop() is the
# stretch from its backward branch's target to that branch.
loop_insns=""
if command -v objdump >/dev/null; then
    loop_insns="$(objdump -d --no-show-raw-insn "$kernel" | awk '
        function hex(s,  i, v) { for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1; return v }
        /<mix_loop>:$/ { f = 1; next }
        f && /^$/ { f = 0 }   # (no exit: objdump would die of SIGPIPE)
        f && /^ *[0-9a-f]+:/ {
            a = hex(substr($1, 1, length($1) - 1)); addr[++n] = a
            if ($2 ~ /^j/ && $3 ~ /^[0-9a-f]+$/ && hex($3) < a) { t = hex($3); b = a }
        }
        END { if (b) { for (i = 1; i <= n; i++) if (addr[i] >= t && addr[i] <= b) c++; print c } }')"
fi

# ---- guest tests at CPL3 and CPL0 --------------------------------------------
# name|guest args|exit status|regex the output must match (guest/tests/run.sh's checks, short)
spec=(
    "hello|Hello_Solo5|0|^Command line is: 'Hello_Solo5'\$"
    "quiet|--solo5:quiet|0|^SUCCESS\$"
    "globals||0|^SUCCESS\$"
    "exception||255|cr2=0x400000000"
    "fpu||0|^SUCCESS\$"
    "zeropage||255|cr2=0x8 "
    "time||0|^SUCCESS\$"
    "abort||255|ABORT: solo5_abort"
    "ssp||255|ABORT: stack smashing detected"
    "tls||0|^SUCCESS\$"
    "notls||255|cr2=0x28 "
    "libc||0|^SUCCESS\$"
)
test_rows=""
if [[ $tests == 1 ]]; then
    echo "cpl.sh: guest tests at CPL3 and CPL0" >&2
    for s in "${spec[@]}"; do
        IFS='|' read -r t args want pat <<<"$s"
        [[ -f "$guests/$t.hvt" ]] || { test_rows+="| $t | (no $t.hvt) | |"$'\n'; continue; }
        row="| $t |"
        for m in 3 0; do
            rc=0
            t0=$(date +%s%N)
            timeout 60 "$ukvm" --mem="$mem" "$guests/$t.hvt" ${opt[$m]} $args >"$tmp/t.out" 2>&1 || rc=$?
            ms=$(( ($(date +%s%N) - t0) / 1000000 ))
            if [[ $rc == "$want" ]] && grep -Eq -- "$pat" "$tmp/t.out"; then
                row+=" ok (${ms} ms) |"
            else
                # the monitor's one line, or the guest's last
                why="$(grep -m1 '^ukvm: ' "$tmp/t.out" || tail -n 1 "$tmp/t.out")"
                why="${why//|/\\|}"
                row+=" **FAIL**: exit $rc (want $want): \`${why:0:140}\` |"
            fi
        done
        test_rows+="$row"$'\n'
    done
fi

# ---- report ------------------------------------------------------------------
ms() { awk -v s="$1" 'BEGIN { printf "%.2f", s * 1000 }'; }
num() { awk -v v="$1" 'BEGIN { if (v >= 100) printf "%.0f", v; else if (v >= 1) printf "%.2f", v; else printf "%.3f", v }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b <= 0) print "n/a"; else if (a / b >= 100) printf "%.0f", a / b; else printf "%.2f", a / b }'; }
per_insn=""
if [[ -n "$loop_insns" && "$loop_insns" -gt 0 ]]; then
    per_insn=" The loop body is $loop_insns instructions (objdump of \`mix_loop\`): at CPL0 that is
$(awk -v t="$l0_min" -v n="$loop_insns" 'BEGIN { printf "%.2f", t / n / 1000 }') us per emulated instruction (min), at CPL3 $(awk -v t="$l3_min" -v n="$loop_insns" 'BEGIN { printf "%.2f", t / n }') ns."
fi
if [[ -n "${k_min[cpl3]:-}" ]]; then
    for c in "" -quiet; do
        what="boot, no arguments"; [[ $c == -quiet ]] && what="boot, \`--solo5:quiet\`"
        e="${exits[cpl3$c]} exits in each mode"
        [[ ${exits[cpl3$c]} == "${exits[cpl0$c]}" ]] || e="${exits[cpl3$c]} / ${exits[cpl0$c]} exits"
        kvm_rows+="| $what: guest time inside KVM_RUN ($e), min (ms) | $(num "${k_min[cpl3$c]}") | $(num "${k_min[cpl0$c]}") | **$(ratio "${k_min[cpl0$c]}" "${k_min[cpl3$c]}")** |"$'\n'
        kvm_rows+="| $what: guest time inside KVM_RUN, median (ms) | $(num "${k_med[cpl3$c]}") | $(num "${k_med[cpl0$c]}") | $(ratio "${k_med[cpl0$c]}" "${k_med[cpl3$c]}") |"$'\n'
    done
fi
kern="$(rel "$kernel")"
table="$(cat <<EOF
### CPL3 against CPL0 on ukvm: boot, compute loop, hypercall round trip

$(date -u +%Y-%m-%dT%H:%MZ), $(uname -r), hyperfine $(hyperfine --version | awk '{print $2}'), \`$(rel "$ukvm")\`, \`$kern\`, \`--mem=$mem\`.
CPL3 = the SDK's default on ukvm (it takes \`UKVM_FEATURE_USERMODE\`); CPL0 = the same image with \`$K\`.
Boot: hyperfine, no shell, the four commands in each of $rounds runs (order rotated, $warmup warmups each): $boot_n runs of each in all.
Guest time inside KVM_RUN: the same boots under \`strace -f -T -e trace=ioctl\`, $reps runs of each, alternating; the
sum of the KVM_RUN calls' durations (the guest's own share of the boot, without process start and KVM setup).
Loop and hypercall: $reps runs in each mode, alternating, timed inside the guest with \`solo5_clock_monotonic()\`.

| what | CPL3 | CPL0 | CPL0 / CPL3 |
| --- | ---: | ---: | ---: |
| boot, no arguments: min (ms) | $(ms "$b3_min") | $(ms "$b0_min") | **$(ratio "$b0_min" "$b3_min")** |
| boot, no arguments: median (ms) | $(ms "$b3_med") | $(ms "$b0_med") | **$(ratio "$b0_med" "$b3_med")** |
| boot, \`--solo5:quiet\` (no banner): min (ms) | $(ms "$q3_min") | $(ms "$q0_min") | $(ratio "$q0_min" "$q3_min") |
| boot, \`--solo5:quiet\` (no banner): median (ms) | $(ms "$q3_med") | $(ms "$q0_med") | $(ratio "$q0_med" "$q3_med") |
${kvm_rows}| loop (N = $loop3 / $loop0): ns per iteration, min | $(num "$l3_min") | $(num "$l0_min") | **$(ratio "$l0_min" "$l3_min")** |
| loop: ns per iteration, median | $(num "$l3_med") | $(num "$l0_med") | $(ratio "$l0_med" "$l3_med") |
| WALLTIME hypercall (N = $hcalls): us per round trip, min | $(num "$h3_min") | $(num "$h0_min") | **$(ratio "$h0_min" "$h3_min")** |
| WALLTIME hypercall: us per round trip, median | $(num "$h3_med") | $(num "$h0_med") | $(ratio "$h0_med" "$h3_med") |

The hypercall times include the few instructions of the loop around the \`outl\` (emulated at CPL0).$per_insn
EOF
)"
if [[ $tests == 1 ]]; then
    table+="$(cat <<EOF


Guest tests (\`$(rel "$guests")\`, run.sh's checks: exit status and one output line), once in each mode, wall time:

| test | CPL3 | CPL0 (\`$K\`) |
| --- | --- | --- |
${test_rows%$'\n'}
EOF
)"
fi
emit "$table"
