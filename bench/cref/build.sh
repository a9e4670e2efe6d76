#!/usr/bin/env bash
# Builds the C reference monitor: bench/cref/build.sh [OUTDIR]  (default: out/bench)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
case "${1:-}" in -h|--help) echo "usage: $0 [OUTDIR]   (default: $root/out/bench)"; exit 0;; esac
out="${1:-$root/out/bench}"
mkdir -p "$out"
"${CC:-gcc}" -O2 -Wall -Wextra -o "$out/ukvm-cref" "$here/ukvm-cref.c"
echo "built $out/ukvm-cref"
