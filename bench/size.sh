#!/usr/bin/env bash
# Binary size of the monitor (full and each specialized build), the C reference and the unikernels.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

usage() {
    cat <<EOF
usage: bench/size.sh [options]

Publishes the NativeAOT monitor once per module set, each with its own obj/ and bin/ under
OUTDIR (so that it never races with builds using src/Ukvm/obj):
    dotnet publish src/Ukvm/Ukvm.csproj -c Release -r linux-x64 [-p:UkvmModules=M] \\
        -p:BaseIntermediateOutputPath=OUTDIR/obj-M/ -p:BaseOutputPath=OUTDIR/bin-M/ \
        -p:DefaultItemExcludes='obj/**;bin/**' -o OUTDIR/M
(the last so that src/Ukvm/obj's generated sources are not compiled in) for M in full (the default: block and net), block, net and none,
and block-notools and none-notools (also -p:UkvmTools=false: what ./build.sh --modules makes, without
the OCI runtime, pack, inspect, ps and gen-manifest); then prints a Markdown table
of the file size (bytes, KiB), the size with symbols stripped from a copy, and text/data/bss
(binutils size), for each monitor, for ukvm-cref (bench/cref, built if missing) and for the
unikernels hello, net, blk (and blkbench when built) from out/guest/x86_64.

By default the monitors are built from a clean copy of the committed tree (git archive HEAD src,
into OUTDIR/src-HEAD), so that work in progress in src/ does not count; --worktree builds
src/Ukvm/Ukvm.csproj as it is on disk instead.

options:
  --outdir DIR    where the monitors are published (default out/size)
  --no-publish    measure what is already in OUTDIR/M/ukvm (after an earlier run)
  --worktree      publish the working tree's src/ (default: HEAD's, from git archive)
  --cref PATH     reference monitor (default out/bench/ukvm-cref; built if missing)
  --guests DIR    unikernels (default out/guest/x86_64)
  --out FILE      also write the table to FILE (e.g. bench/results/size-latest.md)
  -h, --help      this text
EOF
}

outdir="$root/out/size"
cref="$root/out/bench/ukvm-cref"
guests="$root/out/guest/x86_64"
publish=1 out="" worktree=0

die() { echo "size.sh: $*" >&2; exit 1; }
need_arg() { [[ $# -ge 2 && -n "$2" ]] || die "$1 needs a value (see --help)"; }

while [[ $# -gt 0 ]]; do
    case "$1" in
        --outdir) need_arg "$@"; outdir="$2"; shift 2 ;;
        --no-publish) publish=0; shift ;;
        --worktree) worktree=1; shift ;;
        --cref) need_arg "$@"; cref="$2"; shift 2 ;;
        --guests) need_arg "$@"; guests="$2"; shift 2 ;;
        --out) need_arg "$@"; out="$2"; shift 2 ;;
        --outdir=*|--cref=*|--guests=*|--out=*) set -- "${1%%=*}" "${1#*=}" "${@:2}" ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument '$1'" ;;
    esac
done
case "$outdir" in /*) ;; *) outdir="$PWD/$outdir" ;; esac

command -v size >/dev/null && command -v strip >/dev/null || die "size and strip are needed (apt-get install binutils)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

modules=(full block net none block-notools none-notools)
if [[ $publish -eq 1 ]]; then
    command -v dotnet >/dev/null || die "the .NET SDK (dotnet) is needed to publish (or --no-publish)"
    mkdir -p "$outdir"
    proj="$root/src/Ukvm/Ukvm.csproj"
    if [[ $worktree -eq 0 ]]; then
        rm -rf "$outdir/src-HEAD"
        mkdir -p "$outdir/src-HEAD"
        git -C "$root" archive HEAD src | tar -x -C "$outdir/src-HEAD" || die "git archive HEAD src failed"
        proj="$outdir/src-HEAD/src/Ukvm/Ukvm.csproj"
    fi
    git -C "$root" rev-parse --short HEAD >"$outdir/built-from" 2>/dev/null || echo unknown >"$outdir/built-from"
    if [[ $worktree -eq 1 && -n "$(git -C "$root" status --porcelain -- src 2>/dev/null)" ]]; then
        sed -i 's/$/ plus the working tree'"'"'s uncommitted changes in src\//' "$outdir/built-from"
    fi
    for m in "${modules[@]}"; do
        echo "size.sh: publishing '$m' -> $outdir/$m" >&2
        prop=(); [[ $m == full ]] || prop=("-p:UkvmModules=${m%-notools}")
        [[ $m != *-notools ]] || prop+=(-p:UkvmTools=false)
        if ! dotnet publish "$proj" -c Release -r linux-x64 --nologo -v quiet \
            "${prop[@]}" "-p:BaseIntermediateOutputPath=$outdir/obj-$m/" "-p:BaseOutputPath=$outdir/bin-$m/" \
            "-p:DefaultItemExcludes=\"obj/**;bin/**\"" -o "$outdir/$m" >"$tmp/publish.log" 2>&1; then
            tail -n 30 "$tmp/publish.log" >&2
            die "dotnet publish ($m) failed"
        fi
    done
fi
for m in "${modules[@]}"; do
    [[ -x "$outdir/$m/ukvm" ]] || die "$outdir/$m/ukvm missing (run without --no-publish)"
done
if [[ ! -x "$cref" ]]; then
    if [[ "$cref" == "$root/out/bench/ukvm-cref" ]]; then
        "$root/bench/cref/build.sh" "$(dirname "$cref")" >&2
    else
        die "reference monitor '$cref' not found"
    fi
fi

# row LABEL FILE [NOTE]: | label | bytes | KiB | stripped bytes | stripped KiB | text | data | bss | note |
row() {
    local label="$1" f="$2" note="${3:-}" bytes sbytes text data bss
    bytes=$(stat -c %s "$f")
    cp "$f" "$tmp/s" && strip "$tmp/s" && sbytes=$(stat -c %s "$tmp/s")
    read -r text data bss _ < <(size "$f" | awk 'NR == 2')
    printf '| %s | %d | %.1f | %d | %.1f | %d | %d | %d | %s |\n' "$label" "$bytes" "$(awk -v b="$bytes" 'BEGIN { print b / 1024 }')" \
        "$sbytes" "$(awk -v b="$sbytes" 'BEGIN { print b / 1024 }')" "$text" "$data" "$bss" "$note"
}
# What the modules list says, from the binary itself.
mods() { "$1" --version 2>/dev/null | tr '\n' ' ' | sed 's/ *$//; s/|/\\|/g'; }

rel() { case "$1" in "$root"/*) echo "${1#"$root"/}" ;; *) echo "$1" ;; esac; }
rows=""
for m in "${modules[@]}"; do
    label="ukvm ($m)"
    rows+="$(row "$label" "$outdir/$m/ukvm" "\`$(mods "$outdir/$m/ukvm")\`")"$'\n'
done
rows+="$(row "ukvm-cref" "$cref" "C, -O2, dynamically linked to glibc; no block/net")"$'\n'
grows=""
for g in hello net blk blkbench; do
    [[ -f "$guests/$g.hvt" ]] || { [[ $g == blkbench ]] && continue; die "$guests/$g.hvt missing (./build.sh)"; }
    grows+="$(row "$g.hvt" "$guests/$g.hvt" "static, built with -g")"$'\n'
done
full=$(stat -c %s "$outdir/full/ukvm")
deltas=""
for m in block net none block-notools none-notools; do
    b=$(stat -c %s "$outdir/$m/ukvm")
    deltas+="$m $(awk -v a="$b" -v f="$full" 'BEGIN { printf "%+.1f KiB (%+.1f%%)", (a - f) / 1024, (a - f) * 100 / f }'); "
done

tree_note="from a clean git archive of the commit"
[[ $worktree -eq 0 ]] || tree_note="from the working tree"
[[ $publish -eq 1 ]] || tree_note="published by an earlier run"
src_state="$(cat "$outdir/built-from" 2>/dev/null || echo "unknown (published earlier)")"
table="$(cat <<EOF
### Binary sizes

$(date -u +%Y-%m-%dT%H:%MZ), $(uname -r), monitors built from commit $src_state, $(dotnet --version 2>/dev/null | sed 's/^/.NET SDK /' || echo "no dotnet"), $(gcc --version | head -n 1).
Monitors: \`dotnet publish src/Ukvm/Ukvm.csproj -c Release -r linux-x64 -p:UkvmModules=M\`, M-notools also with
\`-p:UkvmTools=false\` ($tree_note; NativeAOT, already stripped: symbols go to ukvm.dbg beside it), in $(rel "$outdir")/M. "stripped" = \`strip\` on a copy. KiB = 1024 bytes.

| binary | bytes | KiB | stripped bytes | stripped KiB | text | data | bss | notes |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |
${rows%$'\n'}

Specialized monitors against the full one: ${deltas%; }.

| unikernel | bytes | KiB | stripped bytes | stripped KiB | text | data | bss | notes |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |
${grows%$'\n'}
EOF
)"
echo "$table"
if [[ -n "$out" ]]; then
    mkdir -p "$(dirname "$out")"
    printf '%s\n' "$table" >"$out"
    echo "size.sh: wrote $out" >&2
fi
