#!/usr/bin/env bash
# Unikernels inside containers, end to end: containerd (Debian's 1.6) and its stock runc shim
# (io.containerd.runc.v2) driving out/ukvm as the OCI runtime, through ctr and through the CRI
# plugin with a runtime handler (BinaryName = out/ukvm), as Kubernetes would with a RuntimeClass.
# One line per step (PASS/FAIL name), a summary line, exit 0 only when every step passed, 77 when
# it cannot run here (not root, no /dev/kvm).
#
#   tests/containers/run.sh [--no-build]     (UKVM=PATH: use that ukvm binary instead of out/ukvm;
#                                             KEEP=1: keep the lab directory, for its logs)
#
# Everything lives in a temporary directory (containerd's root, state, sockets, config, the
# runtime's state, CNI config, images, logs) and in a network namespace of its own (ukct-PID),
# where containerd runs with a private tmpfs on /run/containerd (its hard-coded shim socket
# directory). The CNI bridge, the pods' veths and every tap are made inside that namespace; the
# host's interfaces and routes are never touched. On any exit: tasks, shims, containerd, the
# namespace and the directory are removed. Installs containerd, runc, containernetworking-plugins,
# python3-grpcio and python3-grpc-tools from Debian when missing.
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
here="$root/tests/containers"
build=1
for a in "$@"; do
  case "$a" in
    --no-build) build=0 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "usage: $0 [--no-build]" >&2; exit 2 ;;
  esac
done
t0=$(date +%s)
passed=0 failed=0
pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1${2:+ ($2)}"; failed=$((failed + 1)); }
check() { # check NAME DETAIL 'SHELL CONDITION'
  if eval "$3"; then pass "$1"; else fail "$1" "$2"; fi
}
summary() {
  echo "containers: $passed passed, $failed failed ($(( $(date +%s) - t0 )) s)"
  [ "$failed" = 0 ] && [ "$passed" -gt 0 ]
}

if [ "$(id -u)" != 0 ]; then echo "SKIP containers (needs root)"; exit 77; fi
if [ ! -w /dev/kvm ]; then echo "SKIP containers (no /dev/kvm)"; exit 77; fi

# --- packages ---------------------------------------------------------------------------------
need=()
for f_pkg in /usr/bin/containerd:containerd /usr/sbin/runc:runc /usr/lib/cni/bridge:containernetworking-plugins \
    /usr/sbin/ip:iproute2 /usr/sbin/tc:iproute2 /usr/bin/curl:curl /usr/bin/ping:iputils-ping \
    /usr/lib/python3/dist-packages/grpc/__init__.py:python3-grpcio \
    /usr/lib/python3/dist-packages/grpc_tools/protoc.py:python3-grpc-tools; do
  [ -e "${f_pkg%%:*}" ] || need+=("${f_pkg##*:}")
done
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  if timeout 600 apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1 ||
     { timeout 300 apt-get update -qq && timeout 600 apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1; }; then
    pass "setup-packages"
  else
    fail "setup-packages" "apt-get install ${need[*]}"; summary; exit 1
  fi
else
  pass "setup-packages"
fi

# --- build ------------------------------------------------------------------------------------
if [ "$build" = 1 ]; then
  if "$root/build.sh" --no-deps >/tmp/ukvm-containers-build.$$.log 2>&1; then pass "build"
  else fail "build" "see /tmp/ukvm-containers-build.$$.log"; summary; exit 1; fi
  rm -f /tmp/ukvm-containers-build.$$.log
fi
U="${UKVM:-$root/out/ukvm}"   # UKVM=PATH: another build of the monitor (with --no-build)
G="$root/out/guest/x86_64"
for f in "$U" "$G/hello.hvt" "$G/abort.hvt" "$G/net.hvt" "$G/blk.hvt"; do
  [ -e "$f" ] || { fail "build" "$f missing: run ./build.sh"; summary; exit 1; }
done
if [ -e "$G/http.hvt" ]; then server=http; else server=net; fi

# --- the lab ----------------------------------------------------------------------------------
T="$(mktemp -d /tmp/ukvm-containers.XXXXXX)"
NS="ukct-$$"
SOCK="$T/containerd.sock"
CTR=(timeout -k 5 60 ctr --address "$SOCK")
CTRK=(timeout -k 5 60 ctr --address "$SOCK" -n k8s.io)
RUNC=(--runc-binary "$U" --runc-root "$T/ukvm-ctr" --fifo-dir "$T/fifo")
PAUSE=ukvm.test/pause:1
made_run_containerd=0
cd_pid=""

# Processes started for this run (containerd, its shims, our monitors) all name $T on their
# command line: found by that, and ended by pid.
lab_pids() {
  local p
  for p in /proc/[0-9]*; do
    [ "${p#/proc/}" = "$$" ] && continue
    local c; c=$(tr '\0' ' ' 2>/dev/null <"$p/cmdline")
    [[ $c == *"$T/"* ]] && echo "${p#/proc/}"
  done
}
cleanup() {
  trap - EXIT INT TERM
  if [ -n "$cd_pid" ] && kill -0 "$cd_pid" 2>/dev/null; then
    for ns in default k8s.io; do
      for t in $(timeout 10 ctr --address "$SOCK" -n "$ns" task ls -q 2>/dev/null); do
        timeout 10 ctr --address "$SOCK" -n "$ns" task kill -s SIGKILL "$t" >/dev/null 2>&1
        timeout 10 ctr --address "$SOCK" -n "$ns" task delete -f "$t" >/dev/null 2>&1
      done
    done
    kill -TERM "$cd_pid" 2>/dev/null
    for _ in $(seq 1 40); do kill -0 "$cd_pid" 2>/dev/null || break; sleep 0.25; done
    kill -KILL "$cd_pid" 2>/dev/null
    wait "$cd_pid" 2>/dev/null
  fi
  local pids
  pids=$(lab_pids)
  [ -n "$pids" ] && kill -KILL $pids 2>/dev/null
  for _ in $(seq 1 20); do [ -z "$(lab_pids)" ] && break; sleep 0.25; done
  ip netns del "$NS" 2>/dev/null
  # Mounts live in containerd's mount namespace and went with it; these are only in case.
  grep -F " $T/" /proc/mounts | awk '{print $2}' | sort -r | xargs -r -n1 umount -l 2>/dev/null
  [ "$made_run_containerd" = 1 ] && rmdir /run/containerd 2>/dev/null
  if [ -n "${KEEP:-}" ]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$T"/{img,fifo,opt,cni/net.d,cni/ipam,ukvm-ctr,ukvm-cri,gen}
cat >"$T/containerd.toml" <<EOF
version = 2
root = "$T/root"
state = "$T/state"
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
                    "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs"]
[grpc]
  address = "$SOCK"
[ttrpc]
  address = "$SOCK.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "$T/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE"
  # no CAP_SYS_RESOURCE here: the sandbox's oom_score_adj of -998 would be refused
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "ukvm"
    # RuntimeClass handler "ukvm": the stock runc shim running out/ukvm in place of runc
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.ukvm]
      runtime_type = "io.containerd.runc.v2"
      pod_annotations = ["ukvm.*"]
      container_annotations = ["ukvm.*"]
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.ukvm.options]
        BinaryName = "$U"
        Root = "$T/ukvm-cri"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$T/cni/net.d"
EOF
cat >"$T/cni/net.d/10-ukct.conflist" <<EOF
{ "cniVersion": "0.4.0", "name": "ukct",
  "plugins": [
    { "type": "bridge", "bridge": "ukct0", "isGateway": true, "ipMasq": false,
      "ipam": { "type": "host-local", "ranges": [[{"subnet": "10.88.0.0/24"}]], "routes": [{"dst": "0.0.0.0/0"}],
                "dataDir": "$T/cni/ipam" } },
    { "type": "loopback" } ] }
EOF

ok=1
ip netns add "$NS" && ip -n "$NS" link set lo up || ok=0
if [ ! -d /run/containerd ]; then mkdir /run/containerd && made_run_containerd=1; fi
if [ "$ok" = 1 ]; then
  # nsenter + unshare rather than ip netns exec, which would remount /sys and hide the cgroup hierarchies.
  nsenter --net="/run/netns/$NS" unshare --mount --propagation slave \
    sh -c 'mount -t tmpfs -o mode=0711 ukct /run/containerd && exec timeout 900 containerd --config "$1"' \
    sh "$T/containerd.toml" >"$T/containerd.log" 2>&1 &
  cd_pid=$!
  ok=0
  for _ in $(seq 1 60); do
    timeout 3 ctr --address "$SOCK" version >/dev/null 2>&1 && { ok=1; break; }
    kill -0 "$cd_pid" 2>/dev/null || break
    sleep 0.25
  done
fi
if [ "$ok" = 1 ]; then pass "containerd-start"
else fail "containerd-start" "$(tail -n 3 "$T/containerd.log" 2>/dev/null | tr '\n' ' ')"; summary; exit 1; fi

# --- images -----------------------------------------------------------------------------------
pack() { "$U" pack "$@" >>"$T/pack.log" 2>&1; }
ok=1
pack --kernel "$G/hello.hvt" --mem 16 --name ukvm.test/hello:1 -o "$T/img/hello.tar" -- from the image || ok=0
pack --kernel "$G/abort.hvt" --mem 16 --name ukvm.test/abort:1 -o "$T/img/abort.tar" || ok=0
pack --kernel "$G/net.hvt" --mem 16 --name ukvm.test/net:1 --net-arg '--ipv4={addr}/{prefix}' -o "$T/img/net.tar" || ok=0
pack --kernel "$G/blk.hvt" --mem 16 --name ukvm.test/blk:1 --block storage=/data/disk.img -o "$T/img/blk.tar" || ok=0
[ "$server" = http ] && { pack --kernel "$G/http.hvt" --mem 32 --name ukvm.test/http:1 -o "$T/img/http.tar" || ok=0; }
pack --kernel "$G/hello.hvt" --mem 16 --name "$PAUSE" -o "$T/img/pause.tar" || ok=0
check "ukvm-pack" "$(tail -n 2 "$T/pack.log")" '[ "$ok" = 1 ]'
ok=1
for i in hello abort net blk; do "${CTR[@]}" images import "$T/img/$i.tar" >>"$T/import.log" 2>&1 || ok=0; done
for i in hello "$server" pause; do "${CTRK[@]}" images import "$T/img/$i.tar" >>"$T/import.log" 2>&1 || ok=0; done
check "ctr-images-import" "$(tail -n 2 "$T/import.log")" \
  '[ "$ok" = 1 ] && "${CTR[@]}" images ls -q | grep -x ukvm.test/hello:1 >/dev/null && "${CTRK[@]}" images ls -q | grep -x "ukvm.test/$server:1" >/dev/null'

# --- ctr run ----------------------------------------------------------------------------------
# run NAME: ctr run --rm of the remaining arguments; sets $out and $rc.
run() { out=$("${CTR[@]}" run --rm "${RUNC[@]}" "$@" </dev/null 2>&1); rc=$?; }
run ukvm.test/hello:1 t-hello
check "ctr-run-hello" "rc=$rc out=${out: -300}" \
  '[ $rc = 0 ] && [[ $out == *"Hello, World"* && $out == *"Command line is: '"'"'from the image'"'"'"* ]]'
run ukvm.test/hello:1 t-args Hi there
check "ctr-run-args-replace-cmd" "rc=$rc out=${out: -200}" '[ $rc = 0 ] && [[ $out == *"Command line is: '"'"'Hi there'"'"'"* ]]'
run --annotation ukvm.cmdline=annotated --annotation ukvm.mem=8 ukvm.test/hello:1 t-annot
check "ctr-run-annotations" "rc=$rc out=${out: -300}" \
  '[ $rc = 0 ] && [[ $out == *"Command line is: '"'"'annotated'"'"'"* && $out == *"8 MB addressable"* ]]'
run ukvm.test/abort:1 t-abort
check "ctr-run-exit-status" "rc=$rc, want 255; out=${out: -200}" '[ $rc = 255 ] && [[ $out == *"ukvm guest test: abort"* ]]'
run --annotation ukvm.mem=lots ukvm.test/hello:1 t-bad
check "ctr-run-create-error" "rc=$rc out=${out: -300}" '[ $rc != 0 ] && [[ $out == *"annotation ukvm.mem=lots: expected a whole number of megabytes"* ]]'
# process.terminal: the shim passes --console-socket; ctr -t needs a terminal of its own (script(1) gives it one).
out=$(timeout -k 5 60 script -qefc "ctr --address $SOCK run --rm -t ${RUNC[*]} ukvm.test/hello:1 t-tty" /dev/null </dev/null 2>&1); rc=$?
check "ctr-run-terminal" "rc=$rc out=${out: -300}" '[ $rc = 0 ] && [[ $out == *"Hello, World"* ]]'
truncate -s 1M "$T/disk.img"
run --mount "type=bind,src=$T/disk.img,dst=/data/disk.img,options=rbind:rw" ukvm.test/blk:1 t-blk
check "ctr-run-volume-block-device" "rc=$rc out=${out: -300}" \
  '[ $rc = 0 ] && [[ $out == *SUCCESS* ]] && grep -qa "ukvm blk block 0" "$T/disk.img"'

# A detached unikernel (net.hvt: serves until killed), killed and deleted.
out=$("${CTR[@]}" run -d "${RUNC[@]}" ukvm.test/net:1 t-net </dev/null 2>&1); rc=$?
check "ctr-run-detached" "rc=$rc out=$out" '[ $rc = 0 ]'
sleep 1
out=$("${CTR[@]}" task ls 2>&1)
check "ctr-task-running" "$out" '[[ $out == *t-net*RUNNING* ]]'
net_pid=$("${CTR[@]}" task ls | awk '$1 == "t-net" {print $2}')
out=$("$U" ps --root "$T/ukvm-ctr" 2>&1)
check "ukvm-ps" "$out" '[[ $out == *t-net*default*running*"$net_pid"*/unikernel/net.hvt*16M*"service0(net)"* ]]'
out=$("$U" --root "$T/ukvm-ctr/default" state t-net 2>&1)
check "ukvm-state" "$out" '[[ $out == *"\"status\": \"running\""* && $out == *"\"pid\": $net_pid"* ]]'
out=$(nsenter --net="/proc/$net_pid/ns/net" ip -br link 2>&1)
check "ctr-private-netns-tap" "$out" '[[ $out == *uk*UP* ]] && ! ip link show | grep "$(echo "$out" | awk "/^uk/{print \$1}")" >/dev/null'
"${CTR[@]}" task kill t-net >/dev/null 2>&1
for _ in $(seq 1 40); do "${CTR[@]}" task ls | grep 't-net.*STOPPED' >/dev/null && break; sleep 0.25; done
out=$("${CTR[@]}" task ls 2>&1)
check "ctr-task-kill" "$out" '[[ $out == *t-net*STOPPED* ]]'
"${CTR[@]}" task delete t-net >/dev/null 2>&1; rc1=$?
"${CTR[@]}" container delete t-net >/dev/null 2>&1; rc2=$?
check "ctr-task-delete" "rc=$rc1/$rc2" \
  '[ $rc1 = 0 ] && [ $rc2 = 0 ] && [ ! -e "$T/ukvm-ctr/default/t-net" ] && [ ! -e "/proc/$net_pid" ]'

# --- CRI: a pod whose unikernel answers on the pod's IP ---------------------------------------
if (cd "$T/gen" && /usr/bin/python3 -m grpc_tools.protoc -I"$here" --python_out=. --grpc_python_out=. "$here/cri.proto") \
    >"$T/protoc.log" 2>&1; then
  while IFS= read -r line; do
    echo "$line"
    case "$line" in PASS*) passed=$((passed + 1)) ;; FAIL*) failed=$((failed + 1)) ;; esac
  done < <(ip netns exec "$NS" timeout -k 5 180 /usr/bin/python3 "$here/cri_pod.py" "$SOCK" ukvm "$T/gen" \
             ukvm.test/hello:1 "ukvm.test/$server:1" "$([ "$server" = http ] && echo http || echo ping)" 2>&1)
else
  fail "cri-client" "$(tail -n 2 "$T/protoc.log")"
fi
left=$(find "$T/ukvm-cri" -name state.json 2>/dev/null | wc -l)
check "cri-runtime-state-clean" "$left state directories left" '[ "$left" = 0 ]'

# --- teardown ---------------------------------------------------------------------------------
cleanup
left_pids=$(lab_pids | wc -l)
check "teardown" "$left_pids processes, netns $(ip netns list | grep -c "^$NS ") left" \
  '[ "$left_pids" = 0 ] && ! ip netns list | grep "^$NS " >/dev/null && { [ -n "${KEEP:-}" ] || [ ! -e "$T" ]; } && ! grep -qF " $T/" /proc/mounts'
summary
