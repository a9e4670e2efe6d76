#!/bin/sh
# mkinitrd.sh OUT.cpio.gz MONITOR GUESTDIR [VMDIR [OVERLAY...]] - the AArch64 test VM's initramfs: busybox,
# init, cases.sh, the monitor at /ukvm with the shared libraries it needs (from the cross
# toolchain's /usr/aarch64-linux-gnu/lib: glibc, and libstdc++/libgcc_s if it asks for them),
# the unikernels of GUESTDIR at /guest, and tun.ko for the net case.
# VMDIR (default out/aarch64-vm) holds what fetch-arm64.sh fetched; each OVERLAY directory is
# copied over the root (bench/aarch64-boot.sh adds its script and reference monitor so).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=$(realpath -m "$1"); monitor=$2; guests=$3; vm=${4:-$root/out/aarch64-vm}
shift 3; [ $# -gt 0 ] && shift
libs=${AARCH64_LIBS:-/usr/aarch64-linux-gnu/lib}
readelf=aarch64-linux-gnu-readelf
command -v $readelf >/dev/null || readelf=readelf

r=$(mktemp -d)
trap 'rm -rf "$r"' EXIT
mkdir -p "$r/bin" "$r/lib/modules" "$r/guest" "$r/proc" "$r/sys" "$r/dev" "$r/tmp"
cp "$vm/bb/bin/busybox" "$r/bin/busybox"
cp "$here/init" "$r/init"
cp "$here/cases.sh" "$r/cases.sh"
cp "$monitor" "$r/ukvm"
[ -f "$vm/kpkg/tun.ko" ] && cp "$vm/kpkg/tun.ko" "$r/lib/modules/"
cp "$guests"/*.hvt "$r/guest/"
for o in "$@"; do cp -a "$o/." "$r/"; done

# The monitor's interpreter and NEEDED libraries, transitively.
needed() { $readelf -dW "$1" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }
interp=$($readelf -lW "$monitor" | sed -n 's/.*Requesting program interpreter: \(.*\)\]/\1/p')
if [ -n "$interp" ]; then
  todo="$(basename "$interp") $(needed "$monitor")"
  done_=" "
  while [ -n "$todo" ]; do
    set -- $todo; l=$1; shift; todo="$*"
    case "$done_" in *" $l "*) continue ;; esac
    [ -f "$libs/$l" ] || { echo "mkinitrd.sh: $l not in $libs" >&2; exit 1; }
    cp -L "$libs/$l" "$r/lib/$l"
    done_="$done_$l "
    todo="$todo $(needed "$libs/$l")"
  done
  ln -s . "$r/lib/aarch64-linux-gnu"
  [ "$(dirname "$interp")" = /lib ] || { mkdir -p "$r$(dirname "$interp")"; ln -sf "/lib/$(basename "$interp")" "$r$interp"; }
fi
(cd "$r" && find . | cpio -o -H newc --quiet | gzip -1 >"$out")
