#!/usr/bin/env bash
# Fetches lwIP's source from Debian's source package (bookworm: lwip 2.1.3) into DEST
# (default out/lwip-src), with a private apt configuration under out/apt-src/: its own
# sources.list (a deb-src line for the mirror the machine's apt already uses), state and
# cache, so the system's apt setup is left alone. No lwIP code is kept in the repository.
#   guest/lwip/fetch.sh [DEST]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
dest="${1:-$root/out/lwip-src}"
want_version="2.1.3"
apt_dir="$root/out/apt-src"

if [ -f "$dest/src/core/tcp.c" ] && [ -f "$dest/src/include/lwip/init.h" ]; then
  exit 0
fi

command -v apt-get >/dev/null || { echo "fetch.sh: apt-get is needed" >&2; exit 1; }
if ! command -v dpkg-source >/dev/null; then
  echo "fetch.sh: installing dpkg-dev (dpkg-source)" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dpkg-dev >/dev/null
fi

# The mirror and keyring of the machine's own Debian entries (deb822 or one-line form).
mirror="" keyring=""
for f in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list.d/*.sources; do
  [ -f "$f" ] || continue
  m=$(awk '/^URIs:/ {print $2; exit}' "$f")
  case "$m" in */debian|*/debian/) mirror="${m%/}"; keyring=$(awk '/^Signed-By:/ {print $2; exit}' "$f"); break ;; esac
done
if [ -z "$mirror" ] && [ -f /etc/apt/sources.list ]; then
  mirror=$(awk '$1 == "deb" && $0 ~ /\/debian\/? / {for (i = 2; i <= NF; i++) if ($i ~ /^(https?|file):/) {print $i; exit}}' /etc/apt/sources.list)
  mirror="${mirror%/}"
fi
mirror="${mirror:-http://deb.debian.org/debian}"
keyring="${keyring:-/usr/share/keyrings/debian-archive-keyring.gpg}"

mkdir -p "$apt_dir/etc/sources.list.d" "$apt_dir/etc/preferences.d" "$apt_dir/state/lists/partial" \
         "$apt_dir/cache/archives/partial" "$apt_dir/work"
echo "deb-src [signed-by=$keyring] $mirror bookworm main" >"$apt_dir/etc/sources.list"
apt_opts=(
  -o "Dir::Etc::sourcelist=$apt_dir/etc/sources.list"
  -o "Dir::Etc::sourceparts=$apt_dir/etc/sources.list.d"
  -o "Dir::Etc::preferencesparts=$apt_dir/etc/preferences.d"
  -o "Dir::State=$apt_dir/state"
  -o "Dir::State::status=/var/lib/dpkg/status"
  -o "Dir::Cache=$apt_dir/cache"
  -o "APT::Get::List-Cleanup=0"
  -o "APT::Sandbox::User=root"
)
echo "fetch.sh: apt-get source lwip ($want_version) from $mirror (private apt state in $apt_dir)" >&2
apt-get "${apt_opts[@]}" -qq update
(cd "$apt_dir/work" && rm -rf lwip[-_]* && apt-get "${apt_opts[@]}" -qq --download-only source lwip >/dev/null)
# bookworm's is 2.1.3+dfsg1-N: insist on upstream 2.1.3.
dsc=$(ls "$apt_dir/work"/lwip_"$want_version"[+-]*.dsc 2>/dev/null | head -n 1 || true)
[ -n "$dsc" ] || { echo "fetch.sh: no lwip $want_version .dsc downloaded" >&2; exit 1; }
(cd "$apt_dir/work" && rm -rf lwip-src && dpkg-source --no-check -x "$(basename "$dsc")" lwip-src >/dev/null)
rm -rf "$dest"
mkdir -p "$(dirname "$dest")"
mv "$apt_dir/work/lwip-src" "$dest"
got=$(awk '/#define LWIP_VERSION_(MAJOR|MINOR|REVISION) / {sub(/\r$/, "", $3); v = v (v == "" ? "" : ".") $3} END {print v}' \
  "$dest/src/include/lwip/init.h")
[ "$got" = "$want_version" ] || { echo "fetch.sh: lwIP $got in $dest, expected $want_version" >&2; exit 1; }
echo "fetch.sh: lwIP $want_version source in $dest" >&2
