#!/usr/bin/env bash
# Builds everything into out/: the NativeAOT monitor (out/ukvm) and the guest test unikernels
# (out/guest/x86_64/*.hvt). Installs what it needs from Debian and NuGet on a fresh machine.
#   ./build.sh               everything
#   ./build.sh --monitor     only the monitor
#   ./build.sh --no-deps     skip the apt-get check (what tests call after a first build)
#   ./build.sh --modules M   also a specialized monitor with only modules M (e.g. block, or
#                            block,net) at out/ukvm-M (e.g. out/ukvm-block)
set -euo pipefail
cd "$(dirname "$0")"
root=$PWD
monitor_only=0 deps=1 modules=()
while [ $# -gt 0 ]; do
  case "$1" in
    --monitor) monitor_only=1 ;;
    --no-deps) deps=0 ;;
    --modules) [ $# -ge 2 ] || { echo "build.sh: --modules needs a list, e.g. block" >&2; exit 2; }
               modules+=("$2"); shift ;;
    --modules=*) modules+=("${1#--modules=}") ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "build.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

if [ "$deps" = 1 ]; then
  need=()
  for cmd_pkg in gcc:gcc make:make clang:clang ld.lld:lld hyperfine:hyperfine ip:iproute2 jq:jq; do
    command -v "${cmd_pkg%%:*}" >/dev/null 2>&1 || need+=("${cmd_pkg##*:}")
  done
  command -v dotnet >/dev/null 2>&1 || { echo "build.sh: the .NET 10 SDK (dotnet) is required" >&2; exit 1; }
  if [ "${#need[@]}" -gt 0 ]; then
    echo "build.sh: installing ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null
  fi
fi

mkdir -p out
echo "build.sh: monitor -> out/ukvm"
dotnet publish src/Ukvm/Ukvm.csproj -c Release -r linux-x64 -o out/publish --nologo -v quiet >out/publish.log 2>&1 \
  || { cat out/publish.log; exit 1; }
cp out/publish/ukvm out/ukvm
for m in ${modules[@]+"${modules[@]}"}; do
  name=$(echo "$m" | tr ',;' '--')
  echo "build.sh: monitor with modules '$m' -> out/ukvm-$name"
  dotnet publish src/Ukvm/Ukvm.csproj -c Release -r linux-x64 "-p:UkvmModules=\"$m\"" \
    -o "out/publish-$name" --nologo -v quiet >out/publish.log 2>&1 || { cat out/publish.log; exit 1; }
  cp "out/publish-$name/ukvm" "out/ukvm-$name"
done

[ "$monitor_only" = 1 ] && exit 0
if [ -f guest/Makefile ]; then
  echo "build.sh: guest unikernels -> out/guest/x86_64/"
  make -s -C guest ARCH=x86_64 OUT="$root/out/guest/x86_64" UKVM="$root/out/ukvm"
fi
if [ -f bench/cref/ukvm-cref.c ]; then
  mkdir -p out/bench
  gcc -O2 -Wall -Wextra -o out/bench/ukvm-cref bench/cref/ukvm-cref.c
fi
