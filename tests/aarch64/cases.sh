#!/bin/sh
# cases.sh [CASE...] - inside the AArch64 test VM (busybox sh): boots each test unikernel in
# /guest with the monitor /ukvm under a watchdog (timeout, $ukvm_timeout s, default 60) and
# checks its exit status and output, as guest/tests/run.sh does on x86_64. One line per case:
# "aarch64: NAME PASS" or "aarch64: NAME FAIL (why)" followed by the output, indented.
# With ukvm_verbose=1 the output of passing cases is shown too. Exit status 0 only when every
# case passed.
M=/ukvm
D=/guest
T=${ukvm_timeout:-60}
[ $# -eq 0 ] && set -- hello quiet globals exception fpu zeropage time abort ssp tls notls libc blk net

failed=0
# result NAME OUTFILE STATUS WANT PATTERN... : judge one run.
result() {
    name=$1 out=$2 got=$3 want=$4
    shift 4
    why=""
    [ "$got" = "$want" ] || why="exit $got, want $want"
    for p in "$@"; do
        grep -Eq -- "$p" "$out" || why="${why:+$why; }no line matches /$p/"
    done
    if [ -z "$why" ] && [ -n "$extra_fail" ]; then why=$extra_fail; fi
    if [ -z "$why" ]; then
        echo "aarch64: $name PASS"
        [ "${ukvm_verbose:-0}" = 1 ] && sed 's/^/    /' "$out"
    else
        echo "aarch64: $name FAIL ($why)"
        sed 's/^/    /' "$out"
        failed=1
    fi
}

# run NAME WANT "MONITOR OPTIONS" "GUEST ARGS" PATTERN... : boot $D/NAME.hvt and judge it.
run() {
    name=$1 want=$2 opts=$3 args=$4
    shift 4
    out=/tmp/$name.out
    # shellcheck disable=SC2086 # options and arguments are word lists
    timeout "$T" $M $opts "$D/$name.hvt" $args >"$out" 2>&1
    got=$?
    result "$name" "$out" "$got" "$want" "$@"
}

# run_hostile ACTION WANT PATTERN... : hostile.hvt ACTION; the monitor's line (stderr) or the
# guest's dump must match, and the guest must not have gone on.
run_hostile() {
    a=$1 want=$2
    shift 2
    timeout "$T" $M "$D/hostile.hvt" "$a" >/tmp/$a.out 2>/tmp/$a.err
    got=$?
    ! grep -q 'FAILURE' /tmp/$a.out || extra_fail="the guest went on"
    [ "$want" = 255 ] || [ "$(wc -l </tmp/$a.err)" = 1 ] || extra_fail="${extra_fail:+$extra_fail; }stderr is not one line"
    cat /tmp/$a.out /tmp/$a.err >/tmp/$a.all
    result "$a" /tmp/$a.all "$got" "$want" "^hostile: $a\$" "$@"
}

# net: a tap device (tun.ko from the kernel package), the VM's side at 10.0.0.1; the guest
# answers 3 pings and exits with SUCCESS.
run_net() {
    out=/tmp/net.out
    if ! [ -e /dev/net/tun ] && ! insmod /lib/modules/tun.ko 2>/tmp/net.err; then
        echo "aarch64: net FAIL (cannot load tun.ko: $(cat /tmp/net.err))"
        failed=1
        return
    fi
    if ! tunctl -t tap0 >/tmp/net.err 2>&1 || ! ifconfig tap0 10.0.0.1 netmask 255.255.255.0 up 2>>/tmp/net.err; then
        echo "aarch64: net FAIL (cannot make tap0: $(cat /tmp/net.err))"
        failed=1
        return
    fi
    timeout "$T" $M --net:service0=tap0 -- "$D/net.hvt" --ipv4=10.0.0.2/24 limit=3 verbose \
        >/tmp/net.guest 2>&1 &
    pid=$!
    # Ping once the guest reads its device: before that, the tap drops what it is sent.
    i=0
    while [ $i -lt 100 ] && ! grep -q 'serving ping' /tmp/net.guest && kill -0 "$pid" 2>/dev/null; do
        sleep 0.2
        i=$((i + 1))
    done
    ping -c 3 -w 20 10.0.0.2 >/tmp/net.ping 2>&1
    wait "$pid"
    got=$?
    cat /tmp/net.guest /tmp/net.ping >"$out"
    ifconfig tap0 down
    result net "$out" "$got" 0 '^SUCCESS$' 'answered 3 echo requests' '3 packets received'
}

uptime() { cut -d' ' -f1 /proc/uptime; }
times=""
for t in "$@"; do
    extra_fail=""
    start=$(uptime)
    case "$t" in
    hello) run hello 0 "" Hello_Solo5 '^Hello, World$' "^Command line is: 'Hello_Solo5'$" '^SUCCESS$' ;;
    quiet)
        timeout "$T" $M "$D/quiet.hvt" --solo5:quiet >/tmp/quiet.out 2>&1
        got=$?
        ! grep -q 'Solo5:' /tmp/quiet.out || extra_fail="a Solo5: line despite --solo5:quiet"
        result quiet /tmp/quiet.out "$got" 0 '^SUCCESS$' ;;
    globals|fpu|time|tls|libc) run "$t" 0 "" "" '^SUCCESS$' ;;
    exception) run exception 255 "" "" 'trap: type=sync \(data abort\)' 'far=0x400000000 ' 'ABORT: fatal trap' ;;
    zeropage) run zeropage 255 "" "" 'trap: type=sync \(data abort\)' 'far=0x8 ' 'ABORT: fatal trap' ;;
    notls) run notls 255 "" "" 'trap: type=sync \(data abort\)' 'far=0x28 ' 'ABORT: fatal trap' ;;
    abort) run abort 255 "" "" 'ABORT: solo5_abort' ;;
    ssp) run ssp 255 "" "" 'ABORT: stack smashing detected' ;;
    blk)
        rm -f /tmp/disk.img
        truncate -s 1M /tmp/disk.img 2>/dev/null || dd if=/dev/zero of=/tmp/disk.img bs=1024 count=1024 2>/dev/null
        timeout "$T" $M --block:storage=/tmp/disk.img "$D/blk.hvt" >/tmp/blk.out 2>&1
        got=$?
        grep -q 'ukvm blk block 0' /tmp/disk.img || extra_fail="disk.img does not hold the blocks written"
        result blk /tmp/blk.out "$got" 0 '^SUCCESS$' ;;
    net) run_net ;;
    # The monitor's side of the contract (guest/tests-aarch64/hostile): how it ends a guest
    # that breaks a rule. Its one line on stderr must name the cause.
    # Text is read-only in the monitor's stage-1 tables (W^X in the guest): the guest's own
    # permission fault comes first; the read-only memory slot behind it is the second layer.
    rotext) run_hostile rotext 255 'permission fault' 'ABORT: fatal trap' ;;
    rotext_pair) run_hostile rotext_pair 255 'permission fault' 'ABORT: fatal trap' ;;
    psci_off) run_hostile psci_off 1 'SYSTEM_OFF' ;;
    mmio_read) run_hostile mmio_read 1 'MMIO read' ;;
    hc64) run_hostile hc64 1 'MMIO write' ;;
    hc_writeback) run_hostile hc_writeback 1 'MMIO' ;;
    early_vector) run_hostile early_vector 1 'before it installed its own vectors' ;;
    lowwrite) run_hostile lowwrite 255 'far=0x6000 ' 'permission fault' 'ABORT: fatal trap' ;;
    undef) run_hostile undef 255 'trap: type=sync \(unknown reason\)' 'ABORT: fatal trap' ;;
    *) echo "aarch64: $t FAIL (no such case)"; failed=1 ;;
    esac
    times="$times $t $(echo "$start $(uptime)" | awk '{ printf "%.2f", $2 - $1 }')"
done
echo "aarch64-vm: seconds per case:$times"
exit $failed
