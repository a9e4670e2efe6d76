#!/usr/bin/env bash
# Builds everything into out/: the NativeAOT monitor (out/ukvm) and the guest test unikernels
# (out/guest/x86_64/*.hvt). Installs what it needs from Debian and NuGet on a fresh machine.
#   ./build.sh               everything
#   ./build.sh --monitor     only the monitor
#   ./build.sh --no-deps     skip the apt-get check (what tests call after a first build)
#   ./build.sh --modules M   also a specialized monitor with only modules M (e.g. block, or
#                            block,net) and no tools (OCI runtime, pack, ...) at out/ukvm-M
#   ./build.sh --seccomp-selftest  also out/ukvm-seccomp-selftest, a test build that makes a
#                            forbidden system call once its seccomp filter is on (must be killed)
#   ./build.sh --arch aarch64  the linux-arm64 NativeAOT monitor at out/aarch64/ukvm and the
#                            aarch64 unikernels at out/guest/aarch64/ (cross-compiled; out/ukvm
#                            is built too, for gen-manifest), plus what tests/aarch64/run.sh
#                            needs (cross gcc, clang/lld for the NativeAOT link, qemu-system-arm)
set -euo pipefail
cd "$(dirname "$0")"
root=$PWD
monitor_only=0 deps=1 modules=() arch=x86_64 selftest=0
while [ $# -gt 0 ]; do
  case "$1" in
    --monitor) monitor_only=1 ;;
    --no-deps) deps=0 ;;
    --seccomp-selftest) selftest=1 ;;
    --modules) [ $# -ge 2 ] || { echo "build.sh: --modules needs a list, e.g. block" >&2; exit 2; }
               modules+=("$2"); shift ;;
    --modules=*) modules+=("${1#--modules=}") ;;
    --arch) [ $# -ge 2 ] || { echo "build.sh: --arch needs x86_64 or aarch64" >&2; exit 2; }
            arch=$2; shift ;;
    --arch=*) arch=${1#--arch=} ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "build.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
case "$arch" in
  x86_64|aarch64) ;;
  *) echo "build.sh: --arch $arch: x86_64 or aarch64" >&2; exit 2 ;;
esac

if [ "$deps" = 1 ]; then
  need=()
  for cmd_pkg in gcc:gcc make:make clang:clang ld.lld:lld hyperfine:hyperfine ip:iproute2 jq:jq python3:python3; do
    command -v "${cmd_pkg%%:*}" >/dev/null 2>&1 || need+=("${cmd_pkg##*:}")
  done
  if [ "$arch" = aarch64 ]; then
    for cmd_pkg in aarch64-linux-gnu-gcc:gcc-aarch64-linux-gnu aarch64-linux-gnu-ld.bfd:binutils-aarch64-linux-gnu \
        /usr/aarch64-linux-gnu/lib/crt1.o:libc6-dev-arm64-cross qemu-system-aarch64:qemu-system-arm cpio:cpio \
        /usr/share/keyrings/debian-archive-keyring.gpg:debian-archive-keyring; do
      c=${cmd_pkg%%:*}
      if [ "${c#/}" != "$c" ]; then [ -e "$c" ] || need+=("${cmd_pkg##*:}")
      else command -v "$c" >/dev/null 2>&1 || need+=("${cmd_pkg##*:}"); fi
    done
  fi
  command -v dotnet >/dev/null 2>&1 || { echo "build.sh: the .NET 10 SDK (dotnet) is required" >&2; exit 1; }
  if [ "${#need[@]}" -gt 0 ]; then
    echo "build.sh: installing ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null
  fi
fi

mkdir -p out
# Replaces a binary by renaming, so that a copy still running (another test) does not stop the build.
install_bin() { cp "$1" "$2.new.$$" && mv -f "$2.new.$$" "$2"; }
echo "build.sh: monitor -> out/ukvm"
dotnet publish src/Ukvm/Ukvm.csproj -c Release -r linux-x64 -o out/publish --nologo -v quiet >out/publish.log 2>&1 \
  || { cat out/publish.log; exit 1; }
install_bin out/publish/ukvm out/ukvm
for m in ${modules[@]+"${modules[@]}"}; do
  name=$(echo "$m" | tr ',;' '--')
  echo "build.sh: monitor with modules '$m' -> out/ukvm-$name"
  dotnet publish src/Ukvm/Ukvm.csproj -c Release -r linux-x64 "-p:UkvmModules=\"$m\"" -p:UkvmTools=false \
    -o "out/publish-$name" --nologo -v quiet >out/publish.log 2>&1 || { cat out/publish.log; exit 1; }
  install_bin "out/publish-$name/ukvm" "out/ukvm-$name"
done
if [ "$selftest" = 1 ]; then
  echo "build.sh: seccomp self-test monitor -> out/ukvm-seccomp-selftest"
  dotnet publish src/Ukvm/Ukvm.csproj -c Release -r linux-x64 -p:UkvmSeccompSelfTest=true \
    -o out/publish-selftest --nologo -v quiet >out/publish.log 2>&1 || { cat out/publish.log; exit 1; }
  install_bin out/publish-selftest/ukvm out/ukvm-seccomp-selftest
fi

if [ "$arch" = aarch64 ]; then
  # Its own obj/bin, so that a linux-arm64 restore never rewrites the assets file that x86_64
  # builds of the same tree use. NativeAOT links with clang + lld + the cross gcc's libraries.
  echo "build.sh: linux-arm64 monitor -> out/aarch64/ukvm"
  mkdir -p out/aarch64
  dotnet publish src/Ukvm/Ukvm.csproj -c Release -r linux-arm64 -p:PublishAot=true \
    -p:BaseIntermediateOutputPath="$root/out/aarch64-build/obj/" -p:BaseOutputPath="$root/out/aarch64-build/bin/" \
    -p:DefaultItemExcludes='obj/**' -o out/aarch64-build/publish --nologo -v quiet >out/aarch64-build.log 2>&1 \
    || { cat out/aarch64-build.log; exit 1; }
  install_bin out/aarch64-build/publish/ukvm out/aarch64/ukvm
  [ "$monitor_only" = 1 ] && exit 0
  # The unikernels tests/aarch64/run.sh boots, and the SDK for other unikernels.
  echo "build.sh: aarch64 guest unikernels -> out/guest/aarch64/"
  g="$root/out/guest/aarch64"
  make -s -C guest ARCH=aarch64 OUT="$g" UKVM="$root/out/ukvm" -j"$(nproc)" \
    "$g/sdk/start.o" "$g/sdk/libukvm_hvt.a" "$g/sdk/hvt.ld" \
    $(for t in hello quiet globals exception fpu zeropage time abort ssp tls notls libc blk net hostile; do echo "$g/$t.hvt"; done)
  exit 0
fi
[ "$monitor_only" = 1 ] && exit 0
if [ -f guest/Makefile ]; then
  echo "build.sh: guest unikernels -> out/guest/x86_64/"
  make -s -C guest ARCH=x86_64 OUT="$root/out/guest/x86_64" UKVM="$root/out/ukvm"
fi
if [ -f bench/cref/ukvm-cref.c ]; then
  mkdir -p out/bench
  gcc -O2 -Wall -Wextra -o out/bench/ukvm-cref bench/cref/ukvm-cref.c
fi
