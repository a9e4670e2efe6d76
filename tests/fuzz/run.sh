#!/usr/bin/env bash
# Fuzzes one of the monitor's parsers for a bounded time and prints what it found.
#
#   tests/fuzz/run.sh TARGET SECONDS
#
# TARGET (see tests/Ukvm.Tests/Fuzz/FuzzTargets.cs):
#   image        ElfImage.Parse + AppManifest.Parse + ElfLoader.Load into 8 MiB   (AFL++)
#   manifest     AppManifest.Parse + the guest copy of the manifest                 (AFL++)
#   genmanifest  GenManifest.Parse (manifest.json) + the C it writes                (AFL++)
#   bundlespec   Oci.BundleSpec.Parse (an OCI bundle's config.json)                 (AFL++)
#   imageconfig  Oci.ImageConfig.Parse (/ukvm.json in a container image)            (AFL++)
#   tcpjoin      TcpCoalescer: ring frames joined into one GSO frame, and its header (AFL++)
#   hypercalls   core/block/net hypercall argument decoding over random guest memory,
#                against a reference model (in-process random cases, no AFL; the net
#                device on a tap in a private network namespace when run as root)
#
# Installs afl++ (Debian) and the SharpFuzz.CommandLine tool (NuGet, into out/fuzz/tools) when
# missing, builds tests/Ukvm.Fuzz, instruments a copy of ukvm.dll, seeds the corpus from the
# real unikernels in out/guest/x86_64/*.hvt (stripped) and small hand-made inputs, runs AFL++ for
# SECONDS, then prints executions, paths, crashes and hangs, and replays each crash. Everything
# goes to out/fuzz/TARGET/ (findings/default/{crashes,hangs,queue}). One AFL at a time: the
# machines have two cores. With UKVM_FUZZ_IGNORE_KNOWN=1 the bugs already kept as fixtures
# (tests/Ukvm.Tests/Fuzz/fixtures/*/bug-*) do not count as crashes, so AFL looks past them.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
target=${1:-}
seconds=${2:-}
case "$target" in
  image|manifest|genmanifest|bundlespec|imageconfig|tcpjoin|hypercalls) ;;
  *) echo "usage: tests/fuzz/run.sh image|manifest|genmanifest|bundlespec|imageconfig|tcpjoin|hypercalls SECONDS" >&2; exit 2 ;;
esac
[[ "$seconds" =~ ^[0-9]+$ ]] || { echo "run.sh: SECONDS must be a whole number" >&2; exit 2; }

work=$root/out/fuzz/$target
tools=$root/out/fuzz/tools
mkdir -p "$work"

# --- Tools ---------------------------------------------------------------------------------
if [ "$target" != hypercalls ]; then
  if ! command -v afl-fuzz >/dev/null 2>&1; then
    echo "run.sh: installing afl++"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq afl++ >/dev/null
  fi
  if [ ! -x "$tools/sharpfuzz" ]; then
    echo "run.sh: installing SharpFuzz.CommandLine 2.3.0"
    dotnet tool install --tool-path "$tools" SharpFuzz.CommandLine --version 2.3.0 >/dev/null
  fi
fi

# --- Build (a private copy per target, so that instrumenting never touches a shared build) --
echo "run.sh: building tests/Ukvm.Fuzz"
dotnet build tests/Ukvm.Fuzz/Ukvm.Fuzz.csproj -c Release --nologo -v quiet >"$work/build.log" 2>&1 \
  || { cat "$work/build.log"; exit 1; }
rm -rf "$work/bin"
cp -r tests/Ukvm.Fuzz/bin/Release/net10.0 "$work/bin"
harness=(dotnet "$work/bin/Ukvm.Fuzz.dll")
# The uninstrumented build, for everything but afl-fuzz itself: instrumented code outside AFL
# writes to a coverage map that does not exist (an access violation).
plain=(dotnet "$root/tests/Ukvm.Fuzz/bin/Release/net10.0/Ukvm.Fuzz.dll")

# --- hypercalls: no AFL ---------------------------------------------------------------------
if [ "$target" = hypercalls ]; then
  rm -rf "$work/found"
  ns=""
  if [ "$(id -u)" = 0 ] && [ -c /dev/net/tun ] && command -v ip >/dev/null 2>&1; then
    ns=ukfz-$$
    ip netns add "$ns"
    trap 'ip netns del "$ns" 2>/dev/null || true' EXIT
    ip -n "$ns" link set lo up
    ip -n "$ns" tuntap add dev tap0 mode tap
    ip -n "$ns" link set tap0 up
    ip netns exec "$ns" "${harness[@]}" hypercalls "$seconds" tap0 "$work/found" | tee "$work/result.txt"
  else
    echo "run.sh: not root or no /dev/net/tun: the net device is not attached"
    "${harness[@]}" hypercalls "$seconds" "" "$work/found" | tee "$work/result.txt"
  fi
  rc=${PIPESTATUS[0]}
  [ -d "$work/found" ] && echo "run.sh: cases kept in $work/found: $(ls "$work/found" | wc -l)"
  exit "$rc"
fi

# --- Instrument ukvm.dll (the monitor's code; not the harness, not SharpFuzz) ---------------
echo "run.sh: instrumenting ukvm.dll"
"$tools/sharpfuzz" "$work/bin/ukvm.dll" >"$work/instrument.log" 2>&1 || { cat "$work/instrument.log"; exit 1; }

# --- Seeds -----------------------------------------------------------------------------------
seeds=$work/seeds
rm -rf "$seeds" && mkdir -p "$seeds"
images=()
for g in hello blk net_mtu tls; do
  [ -f "out/guest/x86_64/$g.hvt" ] && images+=("out/guest/x86_64/$g.hvt")
done
case "$target" in
  image)
    for f in "${images[@]}"; do strip --strip-all -o "$seeds/$(basename "$f")" "$f"; done
    "${plain[@]}" seed-images "$seeds"
    ;;
  manifest)
    "${plain[@]}" seed-manifests "$seeds" "${images[@]}" out/guest/x86_64/maxdevices.hvt
    # a header alone, and the reserved entry alone
    printf '\001\000\000\000\000\000\000\000' >"$seeds/header-only.mft"
    ;;
  genmanifest)
    for d in guest/tests/*/manifest.json; do cp "$d" "$seeds/$(basename "$(dirname "$d")").json"; done
    printf '{"type":"solo5.manifest","version":1,"devices":[]}' >"$seeds/empty.json"
    printf '{"type":"solo5.manifest","version":1,"devices":[{"name":"a","type":"BLOCK_BASIC"},{"name":"b2","type":"NET_BASIC"}]}' >"$seeds/two.json"
    ;;
  bundlespec)
    printf '%s' '{"ociVersion":"1.0.2","process":{"terminal":false,"args":["/unikernel/k.hvt","a","b c"],"cwd":"/"},"root":{"path":"rootfs","readonly":true},"mounts":[{"destination":"/data","source":"/srv/d","type":"bind","options":["rbind","ro"]}],"annotations":{"ukvm.mem":"32","n":"1"},"linux":{"namespaces":[{"type":"pid"},{"type":"network","path":"/proc/42/ns/net"}]}}' >"$seeds/full.json"
    printf '%s' '{"ociVersion":"1.0.2","process":{"args":["/k.hvt"]},"root":{"path":"rootfs"},"linux":{"namespaces":[{"type":"network"}]}}' >"$seeds/small.json"
    ;;
  tcpjoin)
    "${plain[@]}" seed-tcpjoin "$seeds"
    ;;
  imageconfig)
    printf '%s' '{"type":"ukvm.image","version":1,"kernel":"/unikernel/k.hvt","mem":32,"args":["--port=80"],"block":{"storage":{"path":"/data/disk.img","readOnly":true}},"netArgs":["{addr}"]}' >"$seeds/full.json"
    printf '%s' '{"kernel":"/k.hvt"}' >"$seeds/small.json"
    ;;
esac
# Different seeds with the same contents only slow AFL down.
echo "run.sh: $(ls "$seeds" | wc -l) seeds ($(du -sb "$seeds" | cut -f1) bytes)"

# --- Run ---------------------------------------------------------------------------------------
dict=()
case "$target" in genmanifest|bundlespec|imageconfig) dict=(-x tests/fuzz/json.dict) ;; esac
rm -rf "$work/findings"
echo "run.sh: afl-fuzz for $seconds s"
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
  AFL_NO_AFFINITY=1 AFL_FORKSRV_INIT_TMOUT=60000 AFL_SKIP_CRASHES=0
set +e
afl-fuzz -i "$seeds" -o "$work/findings" -t 5000 -m none -V "$seconds" ${dict[@]+"${dict[@]}"} \
  -- "${harness[@]}" afl "$target" >"$work/afl.log" 2>&1
afl_rc=$?
set -e
stats=$work/findings/default/fuzzer_stats
if [ ! -f "$stats" ]; then
  echo "run.sh: afl-fuzz did not start (status $afl_rc):"; tail -30 "$work/afl.log"; exit 1
fi
stat() { sed -nE "s/^$1 *: *(.*)$/\1/p" "$stats"; }
crashes=$(find "$work/findings/default/crashes" -type f -name 'id:*' | wc -l)
hangs=$(find "$work/findings/default/hangs" -type f -name 'id:*' | wc -l)
echo "run.sh: $target: $(stat execs_done) executions in $(stat run_time) s ($(stat execs_per_sec)/s)," \
     "$(stat corpus_count) paths ($(stat corpus_found) found), $(stat bitmap_cvg) map coverage," \
     "$crashes crashes, $hangs hangs" | tee "$work/result.txt"
if [ "$crashes" -gt 0 ] || [ "$hangs" -gt 0 ]; then
  echo "run.sh: replaying crashes and hangs (uninstrumented; a hang replays as ok or slow):"
  shopt -s nullglob
  found=("$work"/findings/default/crashes/id:* "$work"/findings/default/hangs/id:*)
  "${plain[@]}" replay "$target" "${found[@]}" 2>&1 \
    | grep -v '^   at ' | sed "s|$work/findings/default/||" | head -60 || true
  exit 1
fi
