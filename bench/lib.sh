# Helpers the bench scripts share. A script sources it (. "$root/bench/lib.sh") after setting root
# (the repository) and, when its messages should not start with its file name, me.
# On any exit (normal, error, Ctrl-C: 130, TERM: 143) it stops the monitor of guest_start, runs the
# at_exit commands (last first), kills what else still runs in the background and deletes the
# namespaces of netns_add.

me="${me:-${0##*/}}"
guest_pid="" guest_out=""
_lib_exit=() _lib_netns=()

# die MESSAGE: prints "ME: MESSAGE" on stderr and exits 1.
die() { echo "$me: $*" >&2; exit 1; }
# need_arg OPTION "$@": dies unless OPTION has a non-empty value after it (call as need_arg "$@").
need_arg() { [[ $# -ge 2 && -n "$2" ]] || die "$1 needs a value (see --help)"; }
# posint OPTION VALUE MIN: dies unless VALUE is a whole number >= MIN.
posint() { [[ "$2" =~ ^[0-9]+$ && "$2" -ge "$3" ]] || die "$1: want a number >= $3, got '$2'"; }
# rel PATH: PATH relative to the repository when it is inside it.
rel() { case "$1" in "$root"/*) echo "${1#"$root"/}" ;; *) echo "$1" ;; esac; }

# emit TEXT: prints TEXT, and writes it to $out as well when $out is set.
emit() {
    echo "$1"
    [[ -n "$out" ]] || return 0
    mkdir -p "$(dirname "$out")"
    printf '%s\n' "$1" >"$out"
    echo "$me: wrote $out" >&2
}

# apt_need CMD[:PACKAGE]...: installs (Debian) the packages of the commands that are missing; dies if it cannot.
apt_need() {
    local c need=()
    for c in "$@"; do command -v "${c%%:*}" >/dev/null 2>&1 || need+=("${c##*:}"); done
    [[ ${#need[@]} -gt 0 ]] || return 0
    echo "$me: installing ${need[*]}" >&2
    { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >&2 \
        || { apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >&2; }; } \
        || die "could not install ${need[*]} (apt-get install ${need[*]})"
}

# at_exit COMMAND: COMMAND (a string, eval'd then) runs on exit, whatever the reason.
at_exit() { _lib_exit=("$1" ${_lib_exit[@]+"${_lib_exit[@]}"}); }
# tmp_dir: sets tmp to a new temporary directory, removed on exit.
tmp_dir() { tmp="$(mktemp -d)"; at_exit "rm -rf $(printf %q "$tmp")"; }

# (best effort: no -e or -u here; the locals' names must not hide the script's variables)
_lib_on_exit() {
    local _lib_c _lib_pids
    set +eu
    guest_stop
    for _lib_c in "${_lib_exit[@]}"; do eval "$_lib_c"; done
    _lib_exit=()
    _lib_pids="$(jobs -pr)"
    [[ -z "$_lib_pids" ]] || kill $_lib_pids 2>/dev/null
    for _lib_c in "${_lib_netns[@]}"; do ip netns del "$_lib_c" 2>/dev/null; done
    _lib_netns=()
}
trap _lib_on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# need_taps: dies unless this can boot guests on taps in namespaces (root, /dev/kvm, /dev/net/tun, ip).
need_taps() {
    [[ $(id -u) -eq 0 ]] || die "needs root (network namespaces and taps)"
    [[ -e /dev/kvm ]] || die "/dev/kvm is missing: cannot boot guests here"
    [[ -e /dev/net/tun ]] || die "/dev/net/tun is missing: no taps here"
    command -v ip >/dev/null || die "ip is needed (apt-get install iproute2)"
}

# netns_add NS [TAP ADDR/LEN]...: a network namespace NS (lo up), deleted on exit, with each TAP
# given ADDR/LEN and up; dies if that fails.
netns_add() {
    local ns="$1"
    shift
    ip netns add "$ns" || die "ip netns add $ns failed"
    _lib_netns+=("$ns")
    ip -n "$ns" link set lo up || die "cannot set lo up in $ns"
    while [[ $# -ge 2 ]]; do
        { ip -n "$ns" tuntap add dev "$1" mode tap && ip -n "$ns" addr add "$2" dev "$1" \
            && ip -n "$ns" link set "$1" up; } || die "$1 in $ns: tap setup failed"
        shift 2
    done
}

# guest_start NS OUTFILE COMMAND...: the monitor COMMAND in namespace NS in the background, its
# output to OUTFILE; guest_pid is the monitor's own pid (ip netns exec, and nice, exec it).
guest_start() {
    local ns="$1"
    guest_out="$2"
    shift 2
    ip netns exec "$ns" "$@" >"$guest_out" 2>&1 &
    guest_pid=$!
}
# guest_alive: returns if the monitor still runs; else shows the end of its output and dies.
guest_alive() {
    kill -0 "$guest_pid" 2>/dev/null && return 0
    tail -n 20 "$guest_out" >&2
    die "the monitor exited early"
}
# guest_attached NS TAP PAUSE: waits (100 checks, PAUSE s apart) until the monitor has attached to TAP (LOWER_UP).
guest_attached() {
    local _
    for _ in $(seq 100); do
        guest_alive
        if ip -n "$1" link show "$2" | grep -q LOWER_UP; then return 0; fi
        sleep "$3"
    done
    die "$2 never showed LOWER_UP (the monitor did not attach)"
}
# guest_until N PAUSE COMMAND...: runs COMMAND (output discarded) until it succeeds, at most N times
# PAUSE s apart; dies if the monitor exits meanwhile; returns 1 if COMMAND never succeeded.
guest_until() {
    local _lib_n="$1" _lib_pause="$2" _lib_i
    shift 2
    for ((_lib_i = 0; _lib_i < _lib_n; _lib_i++)); do
        "$@" >/dev/null 2>&1 && return 0
        guest_alive
        sleep "$_lib_pause"
    done
    return 1
}
# guest_stop: stops the monitor (TERM, KILL after 2 s) and reaps it; nothing when none runs.
guest_stop() {
    local _
    if [[ -n "$guest_pid" ]] && kill -0 "$guest_pid" 2>/dev/null; then
        kill -TERM "$guest_pid" 2>/dev/null || true
        for _ in $(seq 20); do kill -0 "$guest_pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$guest_pid" 2>/dev/null || true
    fi
    [[ -z "$guest_pid" ]] || wait "$guest_pid" 2>/dev/null || true
    guest_pid=""
}
