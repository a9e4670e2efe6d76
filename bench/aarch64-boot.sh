#!/usr/bin/env bash
# bench/aarch64-boot.sh [options] - boot time of hello.hvt on the AArch64 monitor against a
# reference monitor, inside the emulated ARM machine of tests/aarch64/run.sh (KVM nested in
# qemu-system-aarch64 TCG). Each run is process start to exit of MONITOR --mem=MB hello.hvt,
# timed inside the VM by bench/aarch64-tmrun.c; the two monitors alternate. Prints min and
# median of each and the ratio ukvm/ref as a Markdown table. Timings under TCG are inflated
# (each guest exit costs ~0.1 ms): read the ratio. A third row times `ukvm --version`, the
# monitor's process start without any KVM work, to show how much of its boot that is.
#
#   --ref PATH    reference: a linux-arm64 monitor taking `--mem=MB KERNEL` (default: the C
#                 reference bench/cref/ukvm-cref-aarch64.c, built static for arm64)
#   --ukvm PATH   monitor under test (default out/aarch64/ukvm)
#   --runs N      runs per monitor (default 20, after 2 warmups)
#   --mem MB      guest memory (default 4)
#   --out FILE    also write the table to FILE
#   --no-build    do not run ./build.sh --arch aarch64 first
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ukvm=$root/out/aarch64/ukvm ref="" runs=20 mem=4 out="" build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --ref) ref=$(realpath "$2"); shift ;;
    --ukvm) ukvm=$(realpath "$2"); shift ;;
    --runs) runs=$2; shift ;;
    --mem) mem=$2; shift ;;
    --out) out=$2; shift ;;
    --no-build) build=0 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "aarch64-boot.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
[ "$build" = 1 ] && "$root/build.sh" --arch aarch64 >&2
vm=$root/out/aarch64-vm
"$root/tests/aarch64/fetch-arm64.sh" "$vm" >&2

ov=$(mktemp -d)
trap 'rm -rf "$ov"' EXIT
aarch64-linux-gnu-gcc -O2 -static -Wall -o "$ov/tmrun" "$root/bench/aarch64-tmrun.c"
if [ -z "$ref" ]; then
  ref=$root/out/bench/ukvm-cref-aarch64
  mkdir -p "$root/out/bench"
  aarch64-linux-gnu-gcc -O2 -static -Wall -o "$ref" "$root/bench/cref/ukvm-cref-aarch64.c"
fi
labels="ukvm"
if [ -n "$ref" ]; then cp "$ref" "$ov/ref"; labels="ukvm ref"; fi
cat >"$ov/bench.sh" <<EOS
#!/bin/sh
# inside the VM: warmups, then $runs alternating runs of each monitor
for i in 1 2; do for m in $labels; do /tmrun warmup /\$m --mem=$mem /guest/hello.hvt >/dev/null; done; done
i=0
while [ \$i -lt $runs ]; do
  for m in $labels; do /tmrun \$m /\$m --mem=$mem /guest/hello.hvt; done
  /tmrun version /ukvm --version
  i=\$((i + 1))
done
EOS
chmod +x "$ov/bench.sh"
"$root/tests/aarch64/mkinitrd.sh" "$vm/bench.cpio.gz" "$ukvm" "$root/out/guest/aarch64" "$vm" "$ov"
log=$vm/bench.log
timeout -k 5 "${QEMU_TIMEOUT:-600}" qemu-system-aarch64 \
  -machine virt,virtualization=on,gic-version=3 -cpu "${CPU:-max,pauth-impdef=on}" \
  -smp "${SMP:-2}" -m "${MEM:-2048}" -accel tcg,thread=multi -nographic -no-reboot -nic none \
  -kernel "$(ls "$vm"/kpkg/boot/vmlinuz-* | head -n 1)" -initrd "$vm/bench.cpio.gz" \
  -append "console=ttyAMA0 rdinit=/init panic=-1 quiet loglevel=3 ukvm_script=/bench.sh" \
  </dev/null 2>&1 | tr -d '\r' >"$log"

bad=$(grep '^TMRUN' "$log" | grep -v ' status=0$' || true)
[ -z "$bad" ] || { echo "aarch64-boot.sh: a run failed:"; echo "$bad"; exit 1; }
for m in $labels version; do
  [ "$(grep -c "^TMRUN $m " "$log")" = "$runs" ] || { echo "aarch64-boot.sh: missing runs of $m (see $log)"; exit 1; }
done
stats() { # LABEL -> "min median" in ms
  grep "^TMRUN $1 " "$log" | sed 's/.*wall_us=\([0-9]*\).*/\1/' | sort -n |
    awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.2f %.2f", v[1] / 1000, m / 1000 }'
}
read -r umin umed <<<"$(stats ukvm)"
{
  echo "### AArch64 boot time: process start to exit, \`--mem=$mem out/guest/aarch64/hello.hvt\`"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%MZ), inside qemu-system-aarch64 $(qemu-system-aarch64 --version | sed -n 's/.*version \([^ ]*\).*/\1/p') (TCG, -cpu ${CPU:-max,pauth-impdef=on}) with KVM in Debian's $(basename "$(ls "$vm"/kpkg/boot/vmlinuz-* | head -n 1)" | sed 's/vmlinuz-//'), $runs runs each after 2 warmups, alternating."
  echo
  echo "| monitor | min (ms) | median (ms) |"
  echo "| --- | ---: | ---: |"
  echo "| ukvm (\`${ukvm#$root/}\`) | $umin | $umed |"
  read -r vmin vmed <<<"$(stats version)"
  echo "| ukvm --version (process start, no KVM) | $vmin | $vmed |"
  if [ -n "$ref" ]; then
    read -r rmin rmed <<<"$(stats ref)"
    echo "| reference (\`$(basename "$ref")\`) | $rmin | $rmed |"
    echo "| **ratio ukvm/reference** | **$(awk -v a="$umin" -v b="$rmin" 'BEGIN { printf "%.2f", a / b }')** | **$(awk -v a="$umed" -v b="$rmed" 'BEGIN { printf "%.2f", a / b }')** |"
  fi
} | tee ${out:+"$out"}
