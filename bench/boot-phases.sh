#!/usr/bin/env bash
# Boot of ukvm against the C reference monitor, phase by phase (issue #8), traced with ftrace.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
here="$root/bench/boot-phases"

usage() {
    cat <<EOF
usage: bench/boot-phases.sh [options]

Boots KERNEL under UKVM and under CREF alternately (--mem=MB, stdout to /dev/null), RUNS times
each with a kernel trace and as many times without, and writes, per phase of the boot, min and
median of each monitor and the ratio ukvm/cref as Markdown:
  1 process start      posix_spawn -> the executable's entry point (the dynamic loader is done)
  2 runtime start      -> the monitor's own code (ukvm: managed Program.Main; cref: main)
  3 KVM setup          open /dev/kvm -> the last KVM ioctl before KVM_RUN (vCPU configured)
  4 ELF load           open the image -> close (+ ukvm's copy into guest memory); inside 3's span
  5 first guest instr. -> the first KVM_RUN
  6 first console line -> the guest's first write(2) to stdout
  7 exit               -> the parent's waitpid returns
plus the system calls and page faults of each phase, the calls made before the first KVM_RUN,
the files opened (one strace run, not timed) and the tracer's overhead (total time traced
against untraced, measured in the same run).

The tracer is ftrace, through a private tracefs instance (its own buffer, CLOCK_MONOTONIC,
filtered to the driver's process tree): raw_syscalls, sched_process_exec/exit, page faults, and
uprobes on each binary's entry point and main (symbols: the binary's, or for a stripped
NativeAOT binary its .dbg file with the same build id: KERNEL.dbg or out/publish/). Binaries are
copied to a temporary directory first (a rebuild cannot swap them mid-run). Root only.

options:
  --runs N       traced runs per monitor (default 30; as many untraced)
  --mem MB       guest memory (default 4)
  --kernel PATH  guest (default out/guest/x86_64/hello.hvt)
  --ukvm PATH    monitor under test (default out/ukvm)
  --cref PATH    reference monitor (default out/bench/ukvm-cref; built if missing)
  --out FILE     also write the Markdown to FILE (e.g. bench/results/boot-phases-latest.md)
  --keep DIR     keep the raw traces, run lists and strace logs in DIR
  -h, --help     this text
EOF
}

runs=30 mem=4
kernel="$root/out/guest/x86_64/hello.hvt"
ukvm="$root/out/ukvm"
cref="$root/out/bench/ukvm-cref"
out="" keep=""

die() { echo "boot-phases.sh: $*" >&2; exit 1; }
need_arg() { [[ $# -ge 2 && -n "$2" ]] || die "$1 needs a value (see --help)"; }

while [[ $# -gt 0 ]]; do
    case "$1" in
        --runs) need_arg "$@"; runs="$2"; shift 2 ;;
        --mem) need_arg "$@"; mem="$2"; shift 2 ;;
        --kernel) need_arg "$@"; kernel="$2"; shift 2 ;;
        --ukvm) need_arg "$@"; ukvm="$2"; shift 2 ;;
        --cref) need_arg "$@"; cref="$2"; shift 2 ;;
        --out) need_arg "$@"; out="$2"; shift 2 ;;
        --keep) need_arg "$@"; keep="$2"; shift 2 ;;
        --runs=*|--mem=*|--kernel=*|--ukvm=*|--cref=*|--out=*|--keep=*)
            set -- "${1%%=*}" "${1#*=}" "${@:2}" ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument '$1'" ;;
    esac
done

[[ "$runs" =~ ^[0-9]+$ && "$runs" -ge 2 ]] || die "--runs: want a number >= 2, got '$runs'"
[[ "$mem" =~ ^[0-9]+$ && "$mem" -ge 2 && "$mem" -le 1024 ]] || die "--mem: want MiB in 2..1024, got '$mem'"

# ---- inputs ------------------------------------------------------------------
[[ $(id -u) -eq 0 ]] || die "needs root (tracefs, uprobes)"
[[ -e /dev/kvm ]] || die "/dev/kvm is missing: cannot boot guests here"
[[ -f "$kernel" ]] || die "guest '$kernel' not found (build the guest SDK, or pass --kernel PATH)"
[[ -x "$ukvm" ]] || die "monitor '$ukvm' not found or not executable (build ukvm, or pass --ukvm PATH)"
if [[ ! -x "$cref" ]]; then
    if [[ "$cref" == "$root/out/bench/ukvm-cref" ]]; then
        echo "boot-phases.sh: building $cref" >&2
        "$root/bench/cref/build.sh" "$(dirname "$cref")" >&2
    else
        die "reference monitor '$cref' not found or not executable (bench/cref/build.sh OUTDIR)"
    fi
fi
command -v "${CC:-gcc}" >/dev/null || die "gcc is needed (apt-get install gcc)"
py="$(command -v /usr/bin/python3 || command -v python3 || true)"
[[ -n "$py" ]] || die "python3 is needed (apt-get install python3)"
tracefs=/sys/kernel/tracing
if [[ ! -e $tracefs/uprobe_events ]]; then
    mountpoint -q $tracefs || mount -t tracefs nodev $tracefs 2>/dev/null || true
fi
[[ -e $tracefs/uprobe_events && -d $tracefs/instances ]] \
    || die "tracefs with uprobes is needed ($tracefs/uprobe_events; CONFIG_UPROBE_EVENTS)"
for ev in raw_syscalls/sys_enter sched/sched_process_exec exceptions/page_fault_user; do
    [[ -d $tracefs/events/$ev ]] || die "the kernel lacks the trace event $ev"
done
mem_bytes=$(( (mem << 20) & ~((2 << 20) - 1) ))

# ---- cleanup -----------------------------------------------------------------
tmp="$(mktemp -d /tmp/ukvm-boot-phases.XXXXXX)"
group="ukvm_boot_phases_$$"
inst="$tracefs/instances/$group"
probes=()
cleanup() {
    if [[ -d $inst ]]; then
        echo 0 > "$inst/tracing_on" 2>/dev/null || true
        echo > "$inst/set_event" 2>/dev/null || true
        rmdir "$inst" 2>/dev/null || echo "boot-phases.sh: could not remove $inst" >&2
    fi
    local p
    for p in ${probes[@]+"${probes[@]}"}; do
        echo "-:$group/$p" >> $tracefs/uprobe_events 2>/dev/null \
            || echo "boot-phases.sh: could not remove uprobe $group/$p" >&2
    done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- the binaries, copied (a concurrent build renames new ones into place) ------
mkdir -p "$tmp/bin"
cp "$ukvm" "$tmp/bin/ukvm"
cp "$cref" "$tmp/bin/ukvm-cref"
ukvm_id="$("$py" "$here/analyze.py" buildid "$tmp/bin/ukvm")"
cmp -s "$ukvm" "$tmp/bin/ukvm" || die "$ukvm changed while being copied (a build?): try again"
# A stripped NativeAOT binary: its symbols are in the .dbg file the publish wrote beside it.
ukvm_dbg=""
for d in "$ukvm.dbg" "$(dirname "$ukvm")/publish/$(basename "$ukvm").dbg" "$root/out/publish/ukvm.dbg"; do
    if [[ -f $d && -n $ukvm_id && "$("$py" "$here/analyze.py" buildid "$d")" == "$ukvm_id" ]]; then
        cp "$d" "$tmp/bin/ukvm.dbg"
        [[ "$("$py" "$here/analyze.py" buildid "$tmp/bin/ukvm.dbg")" == "$ukvm_id" ]] && ukvm_dbg="$tmp/bin/ukvm.dbg"
        break
    fi
done
"${CC:-gcc}" -O2 -Wall -Wextra -o "$tmp/spawn" "$here/spawn.c"

# ---- sanity: each monitor boots the guest and exits 0 --------------------------
for m in "$tmp/bin/ukvm" "$tmp/bin/ukvm-cref"; do
    rc=0
    "$m" --mem="$mem" "$kernel" >"$tmp/check.out" 2>"$tmp/check.err" || rc=$?
    if [[ $rc -ne 0 ]]; then
        echo "--- stdout:" >&2; tail -n 20 "$tmp/check.out" >&2
        echo "--- stderr:" >&2; tail -n 20 "$tmp/check.err" >&2
        die "'$(basename "$m") --mem=$mem $kernel' exited $rc, want 0"
    fi
    [[ -s "$tmp/check.out" ]] || die "'$(basename "$m") --mem=$mem $kernel' wrote nothing on stdout: no console line to time"
done

# ---- uprobes: entry point and main of each ------------------------------------
# name_in_trace symbol ...: ukvm_start = the entry point, ukvm_cmain = native main,
# ukvm_mmain = __managed__Main, ukvm_own = Program.Main; cref_start, cref_own = main.
add_probe() { # binary probe-name offset
    echo "p:$group/$2 $1:$3" >> $tracefs/uprobe_events || die "could not add uprobe $2 ($1:$3)"
    probes+=("$2")
}
no_symbols=""
declare -A off=()
while read -r name o; do off[u$name]=$o; done < <("$py" "$here/analyze.py" offsets "$tmp/bin/ukvm" ${ukvm_dbg:+"$ukvm_dbg"} @entry main __managed__Main '~_Program__Main')
while read -r name o; do off[c$name]=$o; done < <("$py" "$here/analyze.py" offsets "$tmp/bin/ukvm-cref" @entry main)
[[ -n ${off[u@entry]:-} && -n ${off[c@entry]:-} ]] || die "could not read the entry points"
add_probe "$tmp/bin/ukvm" ukvm_start "${off[u@entry]}"
add_probe "$tmp/bin/ukvm-cref" cref_start "${off[c@entry]}"
if [[ -n ${off[u~_Program__Main]:-} ]]; then
    add_probe "$tmp/bin/ukvm" ukvm_own "${off[u~_Program__Main]}"
    if [[ -n ${off[u__managed__Main]:-} && -n ${off[umain]:-} ]]; then
        add_probe "$tmp/bin/ukvm" ukvm_cmain "${off[umain]}"
        add_probe "$tmp/bin/ukvm" ukvm_mmain "${off[u__managed__Main]}"
    fi
else
    echo "boot-phases.sh: no symbols for $ukvm (no matching .dbg): runtime start is not split from main → setup" >&2
    no_symbols="ukvm"
fi
if [[ -n ${off[cmain]:-} ]]; then
    add_probe "$tmp/bin/ukvm-cref" cref_own "${off[cmain]}"
else
    echo "boot-phases.sh: no symbol 'main' in $cref: runtime start is not split from main → setup" >&2
    no_symbols="${no_symbols:+$no_symbols,}ukvm-cref"
fi

mkdir "$inst" || die "could not create the tracefs instance $inst"
echo 0 > "$inst/tracing_on"
echo mono > "$inst/trace_clock"
echo 16384 > "$inst/buffer_size_kb"
echo 0 > "$inst/options/overwrite"         # a full buffer drops new events (and says so)
echo 1 > "$inst/options/record-tgid"
echo 1 > "$inst/options/event-fork"        # children of a traced pid are traced

drive() { # rounds runs-file
    "$tmp/spawn" "$1" 10 "$2" -- \
        ukvm "$tmp/bin/ukvm" --mem="$mem" "$kernel" -- \
        ukvm-cref "$tmp/bin/ukvm-cref" --mem="$mem" "$kernel"
}
traced() { # rounds runs-file trace-file
    echo 0 > "$inst/tracing_on"
    echo > "$inst/trace"
    echo > "$inst/set_event_pid"
    {
        echo raw_syscalls:sys_enter; echo raw_syscalls:sys_exit
        echo sched:sched_process_exec; echo sched:sched_process_exit
        echo exceptions:page_fault_user; echo exceptions:page_fault_kernel
        echo "$group:*"
    } > "$inst/set_event"
    # The shell puts its own pid in the filter, starts tracing, then becomes the driver.
    TRACE_INST="$inst" bash -c 'echo $$ > "$TRACE_INST/set_event_pid" && echo 1 > "$TRACE_INST/tracing_on" && exec "$@"' \
        drive "$tmp/spawn" "$1" 10 "$2" -- \
        ukvm "$tmp/bin/ukvm" --mem="$mem" "$kernel" -- \
        ukvm-cref "$tmp/bin/ukvm-cref" --mem="$mem" "$kernel"
    echo 0 > "$inst/tracing_on"
    echo > "$inst/set_event"
    cat "$inst/trace" > "$3"
    echo > "$inst/trace"
}

# ---- measure: warm-up, then untraced and traced blocks in turn ----------------
echo "boot-phases.sh: $runs traced and $runs untraced runs of each monitor" >&2
drive 3 "$tmp/warmup" >/dev/null
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
half=$(( (runs + 1) / 2 ))
blocks=("$half" "$(( runs - half ))")
tr_runs=() tr_traces=() un_runs=()
for i in 0 1; do
    n=${blocks[$i]}
    [[ $n -gt 0 ]] || continue
    drive "$n" "$tmp/untraced.$i"
    un_runs+=("$tmp/untraced.$i")
    traced "$n" "$tmp/traced.$i" "$tmp/trace.$i"
    tr_runs+=("$tmp/traced.$i") tr_traces+=("$tmp/trace.$i")
done
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

# ---- identify the files opened (strace, not timed) ------------------------------
strace_args=()
if command -v strace >/dev/null; then
    strace -f -e trace=openat,open,ioctl -o "$tmp/strace.ukvm" "$tmp/bin/ukvm" --mem="$mem" "$kernel" >/dev/null 2>&1 || true
    strace -f -e trace=openat,open,ioctl -o "$tmp/strace.cref" "$tmp/bin/ukvm-cref" --mem="$mem" "$kernel" >/dev/null 2>&1 || true
    strace_args=(--strace "$tmp/strace.ukvm" "$tmp/strace.cref")
fi

if [[ -n $keep ]]; then
    mkdir -p "$keep"
    cp "$tmp"/traced.* "$tmp"/untraced.* "$tmp"/trace.* "$keep"/
    [[ ${#strace_args[@]} -eq 0 ]] || cp "$tmp"/strace.* "$keep"/
fi

# ---- report ------------------------------------------------------------------
rel() { case "$1" in "$root"/*) echo "${1#"$root"/}" ;; *) echo "$1" ;; esac; }
preamble="$(date -u +%Y-%m-%dT%H:%MZ), $(uname -r), $(nproc) CPUs, load average $load_before before, $load_after after.
ukvm = \`$(rel "$ukvm")\` (build id ${ukvm_id:0:12}$([[ -n $ukvm_dbg ]] && echo ", symbols from its .dbg")), ukvm-cref = \`$(rel "$cref")\`, each copied to a temporary directory and run from there; stdout to /dev/null.
The two monitors alternate run by run (the order swapped every round), in two blocks, each of untraced runs then traced ones."
note="$(cat <<'EOF'
Method. A small C driver (`bench/boot-phases/spawn.c`) reads CLOCK_MONOTONIC, `posix_spawn`s the
monitor and reads the clock again when `waitpid` returns: those two reads bound every run, traced
or not. The traced runs are recorded by ftrace in a tracefs instance of their own (trace clock
`mono`, i.e. CLOCK_MONOTONIC; events filtered to the driver and its children, 16 MiB per CPU,
no overwrite): `raw_syscalls:sys_enter/sys_exit`, `sched:sched_process_exec/exit`,
`exceptions:page_fault_user/kernel`, and uprobes on the executable's entry point (`_start`: the
dynamic loader has mapped and relocated everything and run the libraries' constructors) and on
the monitor's own first function: cref's `main`, ukvm's managed `Program.Main`, with NativeAOT's
native `main` and `__managed__Main` in between (symbols from the `.dbg` file of the same build).
The rest is read from the system calls. KVM setup starts at the `openat` whose descriptor then
takes `KVM_GET_API_VERSION` and ends when the last KVM ioctl before `KVM_RUN` returns
(`KVM_SET_REGS` in both). The ELF load is interleaved with it, differently in each: ukvm reads the
whole file into an anonymous mapping before opening /dev/kvm, parses it, and copies the segments
into guest memory after `KVM_CREATE_VM` and its `mmap`, then unmaps the copy; cref opens the
image after `KVM_SET_USER_MEMORY_REGION` and `pread`s the segments straight into guest memory.
So row 4 is the image's `openat` → `close` (the image: the first file opened after main that is
then `pread64`) plus, for a buffer mapped meanwhile, the stretch from the system call before its
`munmap` to the `munmap` (the copy makes no system call: it shows as page faults), and row 3 is
its span less the part of row 4 inside it. Timestamps have 1 µs resolution. strace (one run each,
not timed) only names the files opened. perf was not used: `perf record` of the same events (its
per-task events are cloned at every fork, its uprobes applied per event) added 1-2 ms per boot on
this host where the tracefs instance adds what the overhead table shows, about one µs per event
(ukvm makes about 400 system calls and 280 page faults per boot, cref 190 and 70), so the phases
rich in system calls and faults (ukvm's runtime start) are inflated the most.
EOF
)"
table="$("$py" "$here/analyze.py" report \
    --title "### Boot, phase by phase: \`--mem=$mem $(rel "$kernel")\`" \
    --preamble "$preamble" \
    --traced "${tr_runs[@]}" --trace "${tr_traces[@]}" --untraced "${un_runs[@]}" \
    --labels ukvm ukvm-cref --mem-bytes "$mem_bytes" --no-symbols "$no_symbols" \
    ${strace_args[@]+"${strace_args[@]}"})"
table="$table

$note"
echo "$table"
if [[ -n "$out" ]]; then
    mkdir -p "$(dirname "$out")"
    printf '%s\n' "$table" >"$out"
    echo "boot-phases.sh: wrote $out" >&2
fi
