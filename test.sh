#!/usr/bin/env bash
# Runs every test: builds the monitor and the guest unikernels, then the xunit suite (pure
# logic, KVM smoke tests, end-to-end guest runs, network tests in private namespaces).
# Ends with one line "tests: N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")"
./build.sh --modules block --seccomp-selftest "$@" || { echo "tests: 0 passed, 1 failed (build failed)"; exit 1; }
if [ ! -c /dev/kvm ]; then
  echo "test.sh: /dev/kvm is ABSENT: every test that boots a guest will be reported SKIPPED"
fi

log=out/test-results.log
dotnet test tests/Ukvm.Tests/Ukvm.Tests.csproj -c Release --nologo \
  --logger "console;verbosity=normal" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}

summary=$(grep -E '^(Passed|Failed)!' "$log" | tail -n 1)
num() { echo "$summary" | sed -nE "s/.*$1: *([0-9]+).*/\1/p"; }
passed=$(num Passed); failed=$(num Failed); skipped=$(num Skipped)
if [ -z "$passed" ]; then
  echo "tests: 0 passed, 1 failed (no test summary: see $log)"
  exit 1
fi
skipped=${skipped:-0}
if [ "$skipped" != 0 ]; then
  echo "test.sh: $skipped test(s) SKIPPED:"; grep -E '^\s+Skipped ' "$log" | sed 's/^/  /'
fi
echo "tests: ${passed} passed, ${failed:-0} failed, ${skipped} skipped"
[ "$rc" = 0 ] && [ "${failed:-0}" = 0 ]
