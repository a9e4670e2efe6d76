#!/bin/sh
# fetch-arm64.sh [DIR] - Debian's arm64 kernel (linux-image-arm64) and busybox-static for the
# AArch64 test VM, with a private apt state under DIR/apt (default out/aarch64-vm): the host's
# dpkg architectures and apt sources are left alone. Extracts to DIR/kpkg (boot/vmlinuz-*,
# boot/config-*, tun.ko for the net case) and DIR/bb (bin/busybox). Cached: does nothing when
# both are there (FORCE=1 fetches again). Env: KPKG (default linux-image-arm64, or an exact
# linux-image-* package). The archives are the machine's own Debian apt sources (deb822
# .sources files or sources.list), asked for arm64.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=$(realpath -m "${1:-$root/out/aarch64-vm}")
kpkg=${KPKG:-linux-image-arm64}

if [ "${FORCE:-0}" != 1 ] && ls "$dir"/kpkg/boot/vmlinuz-* >/dev/null 2>&1 && [ -x "$dir/bb/bin/busybox" ]; then
  exit 0
fi
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -f "$keyring" ] || { echo "fetch-arm64.sh: $keyring missing (apt-get install debian-archive-keyring)" >&2; exit 1; }
command -v dpkg-deb >/dev/null || { echo "fetch-arm64.sh: dpkg-deb is needed" >&2; exit 1; }

apt=$dir/apt
mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/etc/sources.list.d" \
  "$apt/etc/apt.conf.d" "$apt/etc/preferences.d" "$dir/debs"
# The machine's "deb" entries, each for arm64 (its keyring, or Debian's).
{
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk -v k="$keyring" '
      function flush() {
        if (types ~ /(^| )deb( |$)/ && uris != "" && suites != "")
          for (i = 1; i <= nu; i++) for (j = 1; j <= ns; j++)
            printf "deb [arch=arm64 signed-by=%s] %s %s %s\n", (key != "" ? key : k), u[i], s[j], comps
        types = uris = suites = comps = key = ""
      }
      /^[ \t]*$/ { flush(); next }
      /^#/ { next }
      /^Types:/ { types = substr($0, 8) }
      /^URIs:/ { uris = substr($0, 6); nu = split(uris, u, " ") }
      /^Suites:/ { suites = substr($0, 8); ns = split(suites, s, " ") }
      /^Components:/ { comps = substr($0, 12) }
      /^Signed-By:/ { key = $2 }
      END { flush() }' "$f"
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    awk -v k="$keyring" '$1 == "deb" {
      key = k; i = 2
      if ($2 ~ /^\[/) { for (; i <= NF; i++) { if ($i ~ /signed-by=/) { key = $i; sub(/.*signed-by=/, "", key); sub(/\]$/, "", key) } if ($i ~ /\]$/) break } i++ }
      line = "deb [arch=arm64 signed-by=" key "]"
      for (; i <= NF; i++) line = line " " $i
      print line }' "$f"
  done
} >"$apt/etc/sources.list"
grep -q '^deb ' "$apt/etc/sources.list" || { echo "fetch-arm64.sh: no Debian apt sources on this machine" >&2; exit 1; }
cat > "$apt/apt.conf" <<EOS
APT::Architecture "arm64"; APT::Architectures { "arm64"; }; APT::Sandbox::User "root";
Dir::State "$apt"; Dir::State::Lists "$apt/lists"; Dir::State::status "$apt/status";
Dir::Cache "$apt/cache"; Dir::Etc::SourceList "$apt/etc/sources.list";
Dir::Etc::SourceParts "$apt/etc/sources.list.d"; Dir::Etc::Parts "$apt/etc/apt.conf.d";
Dir::Etc::Preferences "$apt/etc/preferences"; Dir::Etc::PreferencesParts "$apt/etc/preferences.d";
EOS
touch "$apt/status"
export APT_CONFIG="$apt/apt.conf"
apt-get -qq update
case "$kpkg" in
  *-[0-9]*) img=$kpkg ;;
  *) img=$(apt-cache depends "$kpkg" | awk '/Depends: linux-image-/ {print $2; exit}') ;;
esac
[ -n "$img" ] || { echo "fetch-arm64.sh: cannot resolve $kpkg" >&2; exit 1; }
echo "fetch-arm64.sh: $img $(apt-cache policy "$img" | awk '/Candidate/ {print $2}'), busybox-static"
(cd "$dir/debs" && rm -f ./*.deb && apt-get -qq download "$img" busybox-static)
rm -rf "$dir/kpkg" "$dir/bb"
dpkg-deb -x "$dir"/debs/linux-image-*.deb "$dir/kpkg"
dpkg-deb -x "$dir"/debs/busybox-static_*.deb "$dir/bb"
rm -f "$dir"/debs/*.deb
# Keep only what the VM needs: the kernel, its config, tun.ko (the net case); drop apt's lists.
mods=$(ls -d "$dir"/kpkg/lib/modules/*)
find "$mods" -name 'tun.ko*' -exec mv {} "$dir/kpkg/" \;
rm -rf "$dir/kpkg/lib" "$dir/kpkg/usr" "$apt/lists" "$apt/cache"
grep -q '^CONFIG_KVM=y' "$dir"/kpkg/boot/config-* || { echo "fetch-arm64.sh: the kernel lacks CONFIG_KVM=y" >&2; exit 1; }
ls "$dir"/kpkg/boot/vmlinuz-*
