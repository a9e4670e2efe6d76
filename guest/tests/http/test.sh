#!/usr/bin/env bash
# Tests the http unikernel over a real network stack: one line per check
# (PASS/FAIL name), exit 0 only when every check passed, 77 when it cannot run
# here (not root, no /dev/kvm).
#   guest/tests/http/test.sh MONITOR IMAGE        e.g. out/ukvm out/guest/x86_64/http.hvt
# Everything happens inside a network namespace of its own (ukt-http-PID): a
# tap with 10.0.0.1/24 on the host side, the unikernel at 10.0.0.2. Nothing in
# the root namespace is touched; the namespace and the monitor are removed on
# any exit. Installs curl, iproute2, iputils-ping and socat from Debian if missing.
set -uo pipefail
monitor="$(realpath "${1:?usage: $0 MONITOR IMAGE}")"
image="$(realpath "${2:?usage: $0 MONITOR IMAGE}")"
ns="ukt-http-$$"
ip_guest=10.0.0.2
url="http://$ip_guest"
idle=3 # the server's --idle-timeout for this run, seconds

if [ "$(id -u)" != 0 ]; then echo "SKIP http (needs root)"; exit 77; fi
if [ ! -w /dev/kvm ]; then echo "SKIP http (no /dev/kvm)"; exit 77; fi
need=()
for cmd_pkg in curl:curl ip:iproute2 ping:iputils-ping socat:socat; do
  command -v "${cmd_pkg%%:*}" >/dev/null 2>&1 || need+=("${cmd_pkg##*:}")
done
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq "${need[@]}" >/dev/null 2>&1 ||
    { apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null; } ||
    { echo "FAIL setup (cannot install ${need[*]})"; exit 1; }
fi

tmp="$(mktemp -d)"
pid=""
cleanup() {
  if [ -n "${tcpdump_pid:-}" ]; then kill "$tcpdump_pid" 2>/dev/null; wait "$tcpdump_pid" 2>/dev/null; fi
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; fi
  ip netns del "$ns" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

failed=0 passed=0
pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1${2:+ ($2)}"; failed=$((failed + 1)); }
check() { # check NAME DETAIL 'SHELL CONDITION'
  if eval "$3"; then pass "$1"; else fail "$1" "$2"; fi
}
inns() { ip netns exec "$ns" "$@"; }
# raw REQUEST-TEXT [SECONDS]: sends bytes on one connection, prints what comes back.
raw() {
  inns bash -c 'exec 3<>/dev/tcp/'"$ip_guest"'/80 || exit 1; printf "%b" "$1" >&3; timeout "$2" cat <&3' \
    raw "$1" "${2:-5}"
}

ip netns add "$ns" || { echo "FAIL setup (ip netns add)"; exit 1; }
ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 \
  2>/dev/null || true # IPv4 only: no router solicitations to the guest
ip -n "$ns" link set lo up &&
  ip -n "$ns" tuntap add dev tap0 mode tap &&
  ip -n "$ns" link set tap0 up &&
  ip -n "$ns" addr add 10.0.0.1/24 dev tap0 || { echo "FAIL setup (tap)"; exit 1; }
ip netns exec "$ns" "$monitor" --mem=16 --net:service0=tap0 -- "$image" \
  --ipv4=$ip_guest/24 --ipv4-gateway=10.0.0.1 --idle-timeout=$idle >"$tmp/server.out" 2>&1 &
pid=$!
tcpdump_pid=""
if [ -n "${HTTP_TEST_PCAP:-}" ]; then # debugging: capture the tap's traffic
  ip netns exec "$ns" tcpdump -ni tap0 -s 128 -w "$HTTP_TEST_PCAP" 2>/dev/null &
  tcpdump_pid=$!
fi

# boot: the banner, then ARP + ICMP through lwIP
for _ in $(seq 100); do grep -q '^http: serving on' "$tmp/server.out" && break; sleep 0.05; done
check boot "$(tr '\n' '|' <"$tmp/server.out")" 'grep -q "^http: serving on $ip_guest:80" "$tmp/server.out"'
check ping "no echo reply" 'inns ping -c 2 -i 0.2 -W 2 -q $ip_guest >/dev/null'

# GET /: status, body, Content-Length
code=$(inns curl -sS --max-time 10 -D "$tmp/h" -o "$tmp/b" -w '%{http_code}' "$url/")
len=$(awk 'tolower($1) == "content-length:" {gsub("\r", ""); print $2}' "$tmp/h")
size=$(stat -c %s "$tmp/b" 2>/dev/null || echo 0)
check "get / status" "got $code" '[ "$code" = 200 ]'
check "get / body" "$(head -c 80 "$tmp/b")" 'grep -q "<h1>ukvm</h1>" "$tmp/b"'
check "get / content-length" "header '$len', body $size bytes" '[ -n "$len" ] && [ "$len" = "$size" ]'
check "get / headers" "$(tr '\r\n' '  ' <"$tmp/h")" 'grep -qi "^content-type: text/html" "$tmp/h"'

# HEAD: same headers, no body
code=$(inns curl -sS --max-time 10 -I -D "$tmp/hh" -o "$tmp/hb" -w '%{http_code} %{size_download}' "$url/")
hlen=$(awk 'tolower($1) == "content-length:" {gsub("\r", ""); print $2}' "$tmp/hh")
check "head /" "got '$code', content-length '$hlen' (GET said '$len')" '[ "$code" = "200 0" ] && [ "$hlen" = "$len" ]'

# other pages, 404, 405
code=$(inns curl -sS --max-time 10 -o "$tmp/b" -w '%{http_code}' "$url/hello.txt")
check "get /hello.txt" "got $code: $(cat "$tmp/b")" '[ "$code" = 200 ] && [ "$(cat "$tmp/b")" = "Hello from ukvm" ]'
code=$(inns curl -sS --max-time 10 -o /dev/null -w '%{http_code}' "$url/no/such/page")
check "404 unknown path" "got $code" '[ "$code" = 404 ]'
code=$(inns curl -sS --max-time 10 -D "$tmp/h" -o /dev/null -w '%{http_code}' -X POST -d 'a=b' "$url/")
check "405 POST" "got $code" '[ "$code" = 405 ] && grep -qi "^allow: GET, HEAD" "$tmp/h"'
code=$(inns curl -sS --max-time 10 -o /dev/null -w '%{http_code}' -X DELETE "$url/about")
check "405 DELETE" "got $code" '[ "$code" = 405 ]'

# 400: malformed request line (raw), a target that is not a path, HTTP/1.1 without Host
out=$(raw 'GARBAGE\r\n\r\n')
check "400 malformed request line" "$(head -n 1 <<<"$out")" 'grep -q "^HTTP/1.1 400 " <<<"$out"'
code=$(inns curl -sS --max-time 10 -o /dev/null -w '%{http_code}' --request-target 'nopath' "$url/")
check "400 bad request-target" "got $code" '[ "$code" = 400 ]'
out=$(raw 'GET / HTTP/1.1\r\n\r\n')
check "400 no Host" "$(head -n 1 <<<"$out")" 'grep -q "^HTTP/1.1 400 " <<<"$out"'
out=$(raw 'GET / HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n')
check "400 bad header" "$(head -n 1 <<<"$out")" 'grep -q "^HTTP/1.1 400 " <<<"$out"'

# the server closed first (after a 400) and so holds TIME_WAIT; the client reuses its port
inns curl -sS --max-time 5 --local-port 40123 -o /dev/null --request-target nopath "$url/" 2>/dev/null
sleep 0.2
code=$(inns curl -sS --max-time 5 --local-port 40123 -o /dev/null -w '%{http_code}' "$url/")
check "same client port right after a server close" "got $code" '[ "$code" = 200 ]'

# keep-alive: two URLs, one connection
out=$(inns curl -sS --max-time 10 -o /dev/null -o /dev/null -w '%{http_code} %{num_connects}\n' \
  "$url/" "$url/about" | tr '\n' ' ')
check "keep-alive (2 requests, 1 connection)" "got '$out'" '[ "$out" = "200 1 200 0 " ]'
# pipelining: two requests in one write, answered in order; Connection: close ends it
out=$(raw 'GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\nHEAD /about HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
n=$(grep -c '^HTTP/1.1 200 OK' <<<"$out")
check "pipelined requests" "$n responses" '[ "$n" = 2 ] && grep -q "^Hello from ukvm" <<<"$out"'

# throughput object
code=$(inns curl -sS --max-time 60 -o "$tmp/big" -w '%{http_code} %{size_download} %{speed_download}' "$url/big")
read -r c s speed <<<"$code"
check "get /big (1 MiB)" "got '$code'" '[ "$c" = 200 ] && [ "$s" = 1048576 ] &&
  [ "$(head -c 9 "$tmp/big")" = "big 0000 " ] && [ "$(tail -c 64 "$tmp/big" | head -c 9)" = "big 1023 " ]'
echo "     /big: $((${speed%.*} / 1024)) KiB/s"

# 50 concurrent clients
codes=$(seq 50 | inns xargs -P 50 -I{} curl -sS --max-time 30 -o /dev/null -w '%{http_code}\n' "$url/?client={}")
ok=$(grep -c '^200$' <<<"$codes")
check "50 concurrent clients" "$ok of 50 got 200" '[ "$ok" = 50 ]'
codes=$(seq 10 | inns xargs -P 10 -I{} curl -sS --max-time 60 -o /dev/null -w '%{http_code} %{size_download}\n' "$url/big")
ok=$(grep -c '^200 1048576$' <<<"$codes")
check "10 concurrent /big" "$ok of 10 complete" '[ "$ok" = 10 ]'

# a reset connection: the client closes with the response unread (the kernel sends RST),
# mid-way through /big, then once more right after a small request
inns bash -c "exec 3<>/dev/tcp/$ip_guest/80; printf 'GET /big HTTP/1.1\r\nHost: x\r\n\r\n' >&3; head -c 20000 <&3 >/dev/null; exec 3<&-"
inns bash -c "exec 3<>/dev/tcp/$ip_guest/80; printf 'GET / HTTP/1.1\r\nHost: x\r\n\r\n' >&3; sleep 0.3; exec 3<&-"
inns curl -sS --max-time 20 "$url/big" 2>/dev/null | head -c 1000 >/dev/null
code=$(inns curl -sS --max-time 10 -o /dev/null -w '%{http_code}' "$url/")
check "answers after reset connections" "got $code" '[ "$code" = 200 ]'

# half-closed: the client sends its request and shuts down its side; it still gets the answer
out=$(printf 'GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n' | inns socat -t 5 - "TCP:$ip_guest:80")
check "half-closed client answered" "$(head -n 1 <<<"$out")" 'grep -q "^Hello from ukvm" <<<"$out"'
# half-open: a client that sends half a request and goes silent; the server closes it
# after its idle timeout (3 s here), and meanwhile serves others
start=$(date +%s.%N)
inns bash -c "exec 3<>/dev/tcp/$ip_guest/80; printf 'GET / HTTP/1.1\r\nHost: x\r\n' >&3; timeout 15 cat <&3 >/dev/null" &
silent=$!
sleep 0.5
code=$(inns curl -sS --max-time 10 -o /dev/null -w '%{http_code}' "$url/about")
check "answers during a half-open connection" "got $code" '[ "$code" = 200 ]'
wait "$silent"; rc=$?
secs=$(awk "BEGIN {printf \"%.1f\", $(date +%s.%N) - $start}")
check "idle half-open connection closed by the server" "rc $rc after ${secs}s" \
  '[ "$rc" = 0 ] && awk "BEGIN {exit !($secs >= $idle - 0.6 && $secs < $idle + 4)}"'

# trickling: one byte a second never completes a request; the server closes it after its
# idle timeout from the first byte, though bytes keep coming
start=$(date +%s.%N)
inns bash -c "exec 3<>/dev/tcp/$ip_guest/80; (cat <&3 >/dev/null; echo closed >$tmp/trickle) &
  for c in G E T ' ' / ' ' H T T P / 1 . 1 x x x x; do printf %s \"\$c\" >&3 2>/dev/null || break; sleep 1; done; wait" 2>/dev/null
secs=$(awk "BEGIN {printf \"%.1f\", $(date +%s.%N) - $start}")
check "trickling request closed by the server" "after ${secs}s, $(cat "$tmp/trickle" 2>/dev/null || echo open)" \
  '[ "$(cat "$tmp/trickle" 2>/dev/null)" = closed ] && awk "BEGIN {exit !($secs < $idle + 6)}"'

# /status: the server's own counters; every connection above is closed by now
out=$(inns curl -sS --max-time 10 "$url/status")
check "status page" "$(head -n 1 <<<"$out")" 'grep -q "^connections 1 " <<<"$out"'
echo "$out" | sed 's/^/     /'

# still alive, and the monitor still running
code=$(inns curl -sS --max-time 10 -o /dev/null -w '%{http_code}' "$url/")
check "still serving at the end" "got $code" '[ "$code" = 200 ] && kill -0 "$pid" 2>/dev/null'
if [ "$failed" -gt 0 ]; then sed 's/^/    server: /' "$tmp/server.out" | tail -n 20; fi
echo "http: $passed passed, $failed failed"
[ "$failed" = 0 ]
