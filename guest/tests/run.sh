#!/usr/bin/env bash
# Boots every test unikernel under a monitor and checks its output and exit
# status.  Usage: guest/tests/run.sh MONITOR [IMAGEDIR] [TEST...]
# IMAGEDIR defaults to out/guest/x86_64. Needs /dev/kvm. The blk and net tests
# need a monitor with block/net devices (ukvm; not bench/cref's ukvm-cref);
# net also needs root, ip and ping, and runs in a network namespace of its own
# (skipped without them).
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
monitor="${1:?usage: $0 MONITOR [IMAGEDIR] [TEST...]}"
dir="${2:-$here/../../out/guest/x86_64}"
shift $(( $# >= 2 ? 2 : 1 ))
tests=("$@")
[ ${#tests[@]} -eq 0 ] && tests=(hello quiet globals exception fpu zeropage time abort ssp tls notls libc blk net)

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
    [libc]="||0|^SUCCESS$"
    [blk]="--block:storage=$tmp/disk.img||0|^SUCCESS$"
    [net]="||0|^SUCCESS$;echo request 3 from 10.0.0.1 answered$;3 received"
)

# net: the guest answers 3 pings from the host side of a tap, in a private
# namespace, then exits with SUCCESS.
run_net() {
    local ns="ukt-guest-$$" pid rc
    ip netns add "$ns" || return 1
    ip -n "$ns" link set lo up &&
        ip -n "$ns" tuntap add dev tap0 mode tap &&
        ip -n "$ns" link set tap0 up &&
        ip -n "$ns" addr add 10.0.0.1/24 dev tap0 || { ip netns del "$ns"; return 1; }
    ip netns exec "$ns" timeout 60 "$monitor" --net:service0=tap0 -- "$dir/net.hvt" \
        --ipv4=10.0.0.2/24 limit=3 verbose >"$tmp/net.out" 2>&1 &
    pid=$!
    ip netns exec "$ns" ping -c 3 -i 0.2 -w 20 10.0.0.2 >"$tmp/ping.out" 2>&1
    wait "$pid"
    rc=$?
    ip netns del "$ns"
    cat "$tmp/net.out" "$tmp/ping.out"
    return $rc
}

failed=0
for t in "${tests[@]}"; do
    if [ -z "${spec[$t]:-}" ]; then
        echo "FAIL $t (no such test)"
        failed=1
        continue
    fi
    IFS='|' read -r opts args want patterns <<<"${spec[$t]}"
    if [ "$t" = net ]; then
        if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null || ! command -v ping >/dev/null; then
            echo "SKIP net (needs root, ip and ping)"
            continue
        fi
        out="$(run_net)"
        got=$?
    else
        out="$(timeout 60 "$monitor" $opts "$dir/$t.hvt" $args 2>&1)"
        got=$?
    fi
    ok=1
    [ "$got" = "$want" ] || ok=0
    IFS=';' read -ra pats <<<"$patterns"
    for p in "${pats[@]}"; do
        grep -Eq -- "$p" <<<"$out" || ok=0
    done
    if [ "$t" = quiet ] && grep -q 'Solo5:' <<<"$out"; then ok=0; fi
    if [ $ok = 1 ]; then
        echo "PASS $t (exit $got)"
    else
        echo "FAIL $t (exit $got, want $want)"
        sed 's/^/    /' <<<"$out"
        failed=1
    fi
done
exit $failed
