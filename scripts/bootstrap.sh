#!/usr/bin/env bash
# Installs everything pyipvs needs to build and test, from a fresh clone on Debian 12:
# Debian packages (the VM tier's kernel and qemu, the peers ipvsadm / keepalived / tshark, a C
# toolchain), then a virtualenv in .venv with pyipvs built in editable mode plus the dev extra,
# then the User-Mode Linux kernel of the kernel tier in .cache/uml (scripts/uml-setup.sh).
# Idempotent: a second run only checks. PYIPVS_NO_UML=1 leaves UML out (qemu tier only).
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
    build-essential python3-dev python3-venv iproute2 kmod
    qemu-system-x86 linux-image-amd64 busybox-static
    ipvsadm keepalived tshark clang graphviz chromium
    patchelf debian-archive-keyring
    bird2  # the BGP speaker the active-active directors drive (docs/guide/active-active.rst)
)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
    echo "bootstrap: installing Debian packages: ${missing[*]}"
    SUDO=""
    [[ $(id -u) -eq 0 ]] || SUDO="sudo"
    $SUDO apt-get update -qq
    # tshark asks whether non-root users may capture; the default (no) is right here.
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

PYTHON=${PYTHON:-python3}
if [[ ! -x .venv/bin/python ]]; then
    echo "bootstrap: creating .venv with $($PYTHON --version)"
    "$PYTHON" -m venv .venv
    .venv/bin/pip install -q --upgrade pip "setuptools>=77" wheel cffi
fi
echo "bootstrap: building pyipvs (cffi extension) into .venv"
.venv/bin/pip install -q -e '.[dev]'
.venv/bin/python -c "import pyipvs._native" 
if [[ ${PYIPVS_NO_UML:-} != 1 ]]; then
    scripts/uml-setup.sh
fi
echo "bootstrap: ready"
