#!/usr/bin/env bash
# Sets up the User-Mode Linux kernel the kernel tier boots (scripts/kernel-tier.sh), into
# .cache/uml/ (git ignores it; a fresh clone recreates it). Called by scripts/bootstrap.sh.
#
# Debian testing's user-mode-linux package (the kernel as a program, plus its modules) and the
# glibc it is linked against come from a private apt setup under .cache/uml/apt: the host's own
# apt sources, lists and caches are left as they were. The UML binary is patched (patchelf) to use
# that glibc, since Debian 12's is older than it needs. The modules get a module root of their own
# with a depmod index; the guest bind-mounts it over /lib/modules (guest side only) so modprobe,
# ipvsadm and the tests find them where they expect them.
#
# Idempotent: once .cache/uml/versions.txt exists, nothing is downloaded; remove .cache/uml to
# start over. The versions used are recorded in .cache/uml/versions.txt.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE="$ROOT/.cache/uml"
SUITE=${PYIPVS_UML_SUITE:-testing}

step=""
fail() {
    echo "uml-setup: failed at step '$step'. $1" >&2
    echo "uml-setup: the qemu tier still works without UML (PYIPVS_KERNEL=qemu);" \
        "remove $CACHE and rerun scripts/bootstrap.sh to retry." >&2
    exit 1
}
trap 'fail "see the message above."' ERR

if [[ -s $CACHE/versions.txt && -x $CACHE/linux ]]; then
    echo "uml-setup: ready ($(tr '\n' ' ' <"$CACHE/versions.txt"))"
    exit 0
fi

step="private apt configuration"
apt="$CACHE/apt"
mkdir -p "$apt/etc" "$apt/lists/partial" "$apt/cache/archives/partial" "$CACHE/dl"
[[ -r /usr/share/keyrings/debian-archive-keyring.gpg ]] ||
    fail "the Debian archive keyring is missing: apt-get install debian-archive-keyring."
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg]" \
    "http://deb.debian.org/debian $SUITE main" >"$apt/etc/sources.list"
APT_OPTS=(-o "Dir::Etc::SourceList=$apt/etc/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache" -o Debug::NoLocking=1
    -o APT::Sandbox::User=root)

step="apt-get update (Debian $SUITE package lists)"
apt-get "${APT_OPTS[@]}" update -qq >/dev/null ||
    fail "check that deb.debian.org is reachable."

step="apt-get download user-mode-linux libc6"
(cd "$CACHE/dl" && rm -f ./*.deb && apt-get "${APT_OPTS[@]}" download -qq user-mode-linux libc6) ||
    fail "check that Debian $SUITE still ships user-mode-linux."

step="unpack the packages"
rm -rf "$CACHE/root"
for deb in "$CACHE"/dl/*.deb; do dpkg -x "$deb" "$CACHE/root"; done

step="patch the UML binary to use the unpacked glibc"
command -v patchelf >/dev/null || fail "patchelf is missing: apt-get install patchelf."
lib="$CACHE/root/usr/lib/x86_64-linux-gnu"
cp "$CACHE/root/usr/bin/linux.uml" "$CACHE/linux.new"
patchelf --set-interpreter "$lib/ld-linux-x86-64.so.2" --set-rpath "$lib" "$CACHE/linux.new"

step="module root and depmod"
kver=$(ls "$CACHE/root/usr/lib/uml/modules")
[[ -n $kver && -d $CACHE/root/usr/lib/uml/modules/$kver/kernel ]] ||
    fail "the package has no modules under usr/lib/uml/modules."
rm -rf "$CACHE/modroot"
mkdir -p "$CACHE/modroot/lib/modules"
ln -s "$CACHE/root/usr/lib/uml/modules/$kver" "$CACHE/modroot/lib/modules/$kver"
depmod -b "$CACHE/modroot" "$kver"

step="check that the kernel runs"
"$CACHE/linux.new" --version >/dev/null 2>&1 || "$CACHE/linux.new" --help >/dev/null 2>&1 ||
    fail "the patched linux.uml does not start."
mv "$CACHE/linux.new" "$CACHE/linux"
echo "$kver" >"$CACHE/kernel-release"

step="record versions"
for deb in "$CACHE"/dl/*.deb; do
    dpkg-deb --show --showformat='${Package} ${Version}\n' "$deb"
done >"$CACHE/versions.txt"
echo "kernel-release $kver" >>"$CACHE/versions.txt"
echo "uml-setup: ready ($(tr '\n' ' ' <"$CACHE/versions.txt"))"
