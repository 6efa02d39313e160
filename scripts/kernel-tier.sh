#!/usr/bin/env bash
# Runs a command that needs a kernel with ip_vs (by default the kernel test tier).
#
# Where the running kernel has ip_vs (loaded or loadable) the command runs right here. Otherwise
# it boots the Debian kernel installed under /boot (scripts/bootstrap.sh installs it) in a qemu VM
# with virtme-ng, over this machine's own root filesystem, so the VM sees this checkout and its
# .venv; the checkout is mounted read-write. TCG only: KVM guests hang at early boot on these
# machines and the microvm machine type finds no console with the Debian kernel.
#
#   scripts/kernel-tier.sh                      # pytest tests/kernel
#   scripts/kernel-tier.sh -- CMD ARGS...       # any command, e.g. a benchmark
#   scripts/kernel-tier.sh -k info             # extra pytest arguments
#
# PYIPVS_VM_TIMEOUT (seconds, default 3600) bounds the command: past it, the run is taken for a
# hang, the guest prints its processes, their kernel stacks and Python stacks
# (scripts/vm-guest.sh), and the exit status is 124.
#
# Exit status: the command's. Output: the command's, plus timing lines prefixed "kernel-tier:".
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

if [[ ${1:-} == "--" ]]; then
    shift
    CMD=("$@")
else
    CMD=(.venv/bin/pytest tests/kernel "$@")
fi

host_has_ip_vs() {
    [[ -e /proc/net/ip_vs ]] && return 0
    modprobe -q ip_vs 2>/dev/null && [[ -e /proc/net/ip_vs ]]
}

vm_kernel() {
    # The newest installed kernel image that ships the ip_vs module.
    local image ver
    for image in $(ls -1v /boot/vmlinuz-* 2>/dev/null | sort -rV); do
        ver=${image#/boot/vmlinuz-}
        if compgen -G "/lib/modules/$ver/kernel/net/netfilter/ipvs/ip_vs.ko*" >/dev/null; then
            echo "$image"
            return 0
        fi
    done
    return 1
}

limit=${PYIPVS_VM_TIMEOUT:-3600}
start=$(date +%s)
if host_has_ip_vs; then
    echo "kernel-tier: host kernel $(uname -r) has ip_vs; running directly"
    set +e
    PYIPVS_KERNEL_TIER=host timeout "$limit" "${CMD[@]}"
    rc=$?
    set -e
else
    image=$(vm_kernel) || {
        echo "kernel-tier: no ip_vs on this kernel and no /boot/vmlinuz-* with ip_vs modules;" \
            "run scripts/bootstrap.sh (installs linux-image-amd64 and qemu)" >&2
        exit 2
    }
    echo "kernel-tier: host kernel $(uname -r) has no ip_vs; booting $image under qemu (TCG)"
    logdir="$ROOT/.vm-logs"
    mkdir -p "$logdir"
    rcfile="$logdir/rc.$$"
    rm -f "$rcfile"
    # Quote the command for the guest shell.
    printf -v quoted '%q ' "${CMD[@]}"
    # The guest does not inherit this environment: what the tests read is passed on by name.
    guest="cd '$ROOT' && PYIPVS_KERNEL_TIER=vm PYIPVS_NO_SKIP='${PYIPVS_NO_SKIP:-}' \
scripts/vm-guest.sh '$rcfile' $limit $quoted"
    # The serial console pads its output with long runs of blanks: the sed drops them. Both
    # streams go through the pipe: virtme-ng reopens its stderr, which truncates it when it is
    # a regular file (a log of this whole run, say). The host's own limit is a backstop for a
    # guest that stops answering altogether; the guest's limit comes first and reports.
    PATH="$ROOT/.venv/bin:$PATH" timeout --kill-after=30 $((limit + 300)) \
        vng --disable-kvm --disable-microvm --run "$image" --user root \
        --rwdir "$ROOT" --memory "${PYIPVS_VM_MEMORY:-3G}" --cpus "$(nproc)" \
        --exec "$guest" </dev/null 2>&1 | sed -u -E 's/ {16,}//g' || true
    if [[ -s $rcfile ]]; then
        rc=$(cat "$rcfile")
    else
        echo "kernel-tier: the VM did not report an exit status (boot failure, or the guest" \
            "stopped answering and was killed after $((limit + 300)) s)" >&2
        rc=3
    fi
    rm -f "$rcfile"
fi
echo "kernel-tier: exit status $rc after $(($(date +%s) - start)) s"
exit "$rc"
