#!/usr/bin/env bash
# tests/aarch64/run.sh [--no-build] [--monitor PATH] [CASE or GROUP...]
#
# The AArch64 test suite, under KVM inside an emulated ARM machine: builds the linux-arm64
# monitor (out/aarch64/ukvm) and the aarch64 unikernels (out/guest/aarch64) with
# ./build.sh --arch aarch64, fetches Debian's arm64 kernel and busybox (fetch-arm64.sh, cached
# in out/aarch64-vm), packs an initramfs (mkinitrd.sh) and boots it with
# qemu-system-aarch64 -machine virt,virtualization=on,gic-version=3: the kernel starts at EL2
# and offers /dev/kvm, and cases.sh boots every test unikernel with ukvm inside the VM.
# Prints one line per case ("aarch64: hello PASS") and a closing "aarch64: N passed, N failed";
# exits 0 only when every case passed.
#
# Cases: the test unikernels (group "guests"): hello quiet globals exception fpu zeropage time
# abort ssp tls notls libc blk net; the monitor's side of the contract (group "monitor", with
# guest/tests-aarch64/hostile): rotext rotext_pair psci_off mmio_read hc64 hc_writeback
# early_vector lowwrite undef. Default: both groups.
# --monitor PATH  test another linux-arm64 monitor with ukvm's command line (default
#                 out/aarch64/ukvm); --no-build  use what out/ holds.
# Env: QEMU_TIMEOUT (s, default 300: the whole VM), CASE_TIMEOUT (s, default 60: each run
# inside it), MEM (MiB, 2048), SMP (2), CPU (max,pauth-impdef=on), VERBOSE=1 (show the output
# of passing cases too), KEEP_LOG=1 (print the whole console). The console is kept in
# out/aarch64-vm/console.log.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
vm=$root/out/aarch64-vm
build=1 monitor=$root/out/aarch64/ukvm cases=()
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=0 ;;
    --monitor) monitor=$(realpath "$2"); shift ;;
    --monitor=*) monitor=$(realpath "${1#--monitor=}") ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    -*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
    *) cases+=("$1") ;;
  esac
  shift
done
guests=(hello quiet globals exception fpu zeropage time abort ssp tls notls libc blk net)
monitor_cases=(rotext rotext_pair psci_off mmio_read hc64 hc_writeback early_vector lowwrite undef)
[ ${#cases[@]} -eq 0 ] && cases=(guests monitor)
expanded=()
for c in "${cases[@]}"; do
  case "$c" in
    guests) expanded+=("${guests[@]}") ;;
    monitor) expanded+=("${monitor_cases[@]}") ;;
    *) expanded+=("$c") ;;
  esac
done
cases=("${expanded[@]}")

t0=$(date +%s.%N)
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
if [ "$build" = 1 ]; then
  "$root/build.sh" --arch aarch64 >&2 || { echo "aarch64: build FAILED"; exit 1; }
fi
[ -x "$monitor" ] || { echo "aarch64: no monitor at $monitor (./build.sh --arch aarch64)"; exit 1; }
ls "$root"/out/guest/aarch64/*.hvt >/dev/null 2>&1 || { echo "aarch64: no unikernels in out/guest/aarch64"; exit 1; }
for c in qemu-system-aarch64 cpio gzip; do
  command -v $c >/dev/null || { echo "aarch64: $c is missing (./build.sh --arch aarch64 installs it)"; exit 1; }
done
"$here/fetch-arm64.sh" "$vm" >&2 || { echo "aarch64: fetching the arm64 kernel and busybox FAILED"; exit 1; }
"$here/mkinitrd.sh" "$vm/initrd.cpio.gz" "$monitor" "$root/out/guest/aarch64" "$vm" \
  || { echo "aarch64: initramfs FAILED"; exit 1; }
t_build=$(elapsed "$t0")

kernel=$(ls "$vm"/kpkg/boot/vmlinuz-* | head -n 1)
list=$(IFS=,; echo "${cases[*]}")
t1=$(date +%s.%N)
timeout -k 5 "${QEMU_TIMEOUT:-300}" qemu-system-aarch64 \
  -machine virt,virtualization=on,gic-version=3 -cpu "${CPU:-max,pauth-impdef=on}" \
  -smp "${SMP:-2}" -m "${MEM:-2048}" -accel tcg,thread=multi \
  -nographic -no-reboot -nic none \
  -kernel "$kernel" -initrd "$vm/initrd.cpio.gz" \
  -append "console=ttyAMA0 rdinit=/init panic=-1 quiet loglevel=3 ukvm_cases=$list ukvm_timeout=${CASE_TIMEOUT:-60} ukvm_verbose=${VERBOSE:-0}" \
  </dev/null 2>&1 | tr -d '\r' >"$vm/console.log"
qrc=${PIPESTATUS[0]}
t_vm=$(elapsed "$t1")

if [ "${KEEP_LOG:-0}" = 1 ]; then cat "$vm/console.log"; else grep -E '^(aarch64|    )' "$vm/console.log"; fi
passed=0 failed=0
for c in "${cases[@]}"; do
  if grep -qx "aarch64: $c PASS" "$vm/console.log"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    grep -q "^aarch64: $c " "$vm/console.log" || echo "aarch64: $c FAIL (no result: the VM stopped first)"
  fi
done
if ! grep -q '^aarch64-vm: done' "$vm/console.log"; then
  [ "$qrc" = 124 ] && why="QEMU timed out after ${QEMU_TIMEOUT:-300} s" || why="QEMU exited with $qrc"
  echo "aarch64: the VM did not finish ($why); last console lines:"
  tail -n 15 "$vm/console.log" | sed 's/^/    /'
fi
echo "aarch64: build ${t_build} s, VM ${t_vm} s (boot and ${#cases[@]} cases), total $(elapsed "$t0") s"
echo "aarch64: ${passed} passed, ${failed} failed"
[ "$failed" = 0 ]
