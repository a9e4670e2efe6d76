#!/usr/bin/env bash
# Boots every test unikernel under a monitor and checks its output and exit
# status.  Usage: guest/tests/run.sh MONITOR [IMAGEDIR] [TEST...]
# IMAGEDIR defaults to out/guest/x86_64. Needs /dev/kvm. The blk test needs a
# monitor with block devices (ukvm; not bench/cref's ukvm-cref).
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
monitor="${1:?usage: $0 MONITOR [IMAGEDIR] [TEST...]}"
dir="${2:-$here/../../out/guest/x86_64}"
shift $(( $# >= 2 ? 2 : 1 ))
tests=("$@")
[ ${#tests[@]} -eq 0 ] && tests=(hello quiet globals exception fpu zeropage time abort ssp tls notls blk)

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
truncate -s 1M "$tmp/disk.img"

# name: monitor options | guest arguments | expected exit status |
#       regexes that must match the output (;-separated)
declare -A spec=(
    [hello]="|Hello_Solo5|0|^Hello, World$;^Command line is: 'Hello_Solo5'$;^SUCCESS$"
    [quiet]="|--solo5:quiet|0|^SUCCESS$"
    [globals]="||0|^SUCCESS$"
    [exception]="||255|trap: type=#PF;cr2=0x400000000;ABORT"
    [fpu]="||0|^SUCCESS$"
    [zeropage]="||255|trap: type=#PF;cr2=0x8 ;ABORT"
    [time]="||0|^SUCCESS$"
    [abort]="||255|ABORT: solo5_abort"
    [ssp]="||255|ABORT: stack smashing detected"
    [tls]="||0|^SUCCESS$"
    [notls]="||255|trap: type=#PF;cr2=0x28 ;ABORT"
    [blk]="--block:storage=$tmp/disk.img||0|^SUCCESS$"
)

failed=0
for t in "${tests[@]}"; do
    IFS='|' read -r opts args want patterns <<<"${spec[$t]}"
    out="$(timeout 60 "$monitor" $opts "$dir/$t.hvt" $args 2>&1)"
    got=$?
    ok=1
    [ "$got" = "$want" ] || ok=0
    IFS=';' read -ra pats <<<"$patterns"
    for p in "${pats[@]}"; do
        grep -Eq -- "$p" <<<"$out" || ok=0
    done
    if [ "$t" = quiet ] && grep -q 'Solo5:' <<<"$out"; then ok=0; fi
    if [ "$t" = blk ] && ! grep -aq 'ukvm block 0' "$tmp/disk.img"; then ok=0; fi
    if [ $ok = 1 ]; then
        echo "PASS $t (exit $got)"
    else
        echo "FAIL $t (exit $got, want $want)"
        sed 's/^/    /' <<<"$out"
        failed=1
    fi
done
exit $failed
