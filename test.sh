#!/usr/bin/env bash
# Runs every test suite and ends with one line "tests: N passed, N failed, N skipped":
#   xunit    tests/Ukvm.Tests: pure logic, KVM smoke tests, every test unikernel booted for real,
#            devices, network tests in private namespaces, seccomp, hostile guests
#   aarch64  tests/aarch64/run.sh: the AArch64 monitor and unikernels under KVM inside an
#            emulated arm64 machine (QEMU; needs no host KVM)
#   containers  tests/containers/run.sh: containerd + the runc shim + CRI driving ukvm as an OCI
#            runtime (a packed image, ctr run, a pod whose unikernel answers on the pod's IP)
#   http     guest/tests/http/test.sh: the lwIP HTTP unikernel in a private namespace (curl:
#            pages, errors, keep-alive, 50 concurrent clients, reset and half-open connections)
#   more suites register below as scripts that end with "NAME: N passed, N failed".
# TEST_SUITES="xunit aarch64" selects suites (default: all). Options are passed to build.sh.
set -uo pipefail
cd "$(dirname "$0")"
suites=${TEST_SUITES:-"xunit aarch64 containers http"}
mkdir -p out
./build.sh --modules block --seccomp-selftest "$@" || { echo "tests: 0 passed, 1 failed (build failed)"; exit 1; }
if [ ! -c /dev/kvm ]; then
  echo "test.sh: /dev/kvm is ABSENT: every test that boots a guest on this host will be reported SKIPPED"
fi

total_p=0 total_f=0 total_s=0 report=()
# add NAME PASSED FAILED SKIPPED
add() {
  total_p=$((total_p + $2)); total_f=$((total_f + $3)); total_s=$((total_s + $4))
  report+=("$1: $2 passed, $3 failed, $4 skipped")
}

run_xunit() {
  local log=out/test-xunit.log
  dotnet test tests/Ukvm.Tests/Ukvm.Tests.csproj -c Release --nologo \
    --logger "console;verbosity=normal" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  # vstest's closing block: "Total tests: N" then "Passed: N", "Failed: N", "Skipped: N" lines.
  local tail_; tail_=$(awk '/^Total tests:/{found=1} found' "$log")
  num() { echo "$tail_" | sed -nE "s/^ *$1: *([0-9]+).*/\1/p" | tail -n 1; }
  local p f s; p=$(num Passed); f=$(num Failed); s=$(num Skipped)
  if [ -z "$p" ]; then add xunit 0 1 0; return; fi
  if [ "${s:-0}" != 0 ]; then
    echo "test.sh: ${s} xunit test(s) SKIPPED:"; grep -E '^\s+Skipped ' "$log" | sed 's/^/  /'
  fi
  [ "$rc" != 0 ] && [ "${f:-0}" = 0 ] && f=1
  add xunit "$p" "${f:-0}" "${s:-0}"
}

# run_script NAME COMMAND...: a suite whose last "N passed, N failed" line is its result.
run_script() {
  local name=$1; shift
  local log=out/test-$name.log
  "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  if [ "$rc" = 77 ]; then echo "test.sh: suite $name SKIPPED (see $log)"; add "$name" 0 0 1; return; fi
  local line; line=$(grep -E '[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
  local p f s
  p=$(echo "$line" | sed -nE 's/(^|.*[^0-9])([0-9]+) passed.*/\2/p')
  f=$(echo "$line" | sed -nE 's/.* ([0-9]+) failed.*/\1/p')
  s=$(echo "$line" | sed -nE 's/.* ([0-9]+) skipped.*/\1/p')
  if [ -z "$p" ]; then add "$name" 0 1 0; return; fi
  [ "$rc" != 0 ] && [ "${f:-0}" = 0 ] && f=1
  add "$name" "$p" "${f:-0}" "${s:-0}"
}

for suite in $suites; do
  echo "=== test.sh: suite $suite"
  case $suite in
    xunit) run_xunit ;;
    aarch64)
      if ./build.sh --arch aarch64 "$@"; then run_script aarch64 tests/aarch64/run.sh --no-build
      else add aarch64 0 1 0; fi ;;
    containers) run_script containers tests/containers/run.sh --no-build ;;
    http) run_script http guest/tests/http/test.sh out/ukvm out/guest/x86_64/http.hvt ;;
    *) echo "test.sh: unknown suite $suite"; add "$suite" 0 1 0 ;;
  esac
done

echo "=== test.sh: results"
printf '  %s\n' "${report[@]}"
echo "tests: ${total_p} passed, ${total_f} failed, ${total_s} skipped"
[ "$total_f" = 0 ]
