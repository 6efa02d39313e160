#!/usr/bin/env bash
# Runs a command that needs a kernel with ip_vs (by default the kernel test tier), on one of
# three kernels, in this order of preference:
#
#   host  this machine's kernel, where it has ip_vs (loaded or loadable): the command runs here;
#   uml   the User-Mode Linux kernel that scripts/bootstrap.sh sets up in .cache/uml
#         (scripts/uml-setup.sh): an ordinary process, boots in about a second, userspace runs at
#         native speed, syscalls cost a few microseconds each; pinned to one CPU (unpinned, the
#         syscall cost grows eightfold). Guest side: scripts/uml-init.sh;
#   qemu  the Debian kernel installed under /boot, in a qemu VM (TCG) with virtme-ng: the
#         fallback, and our second kernel version (Debian 12's 6.1).
#
# Both guests see this machine's root filesystem read-write, so they see this checkout and its
# .venv. PYIPVS_KERNEL=host|uml|qemu forces one; a forced choice that cannot run is an error.
#
#   scripts/kernel-tier.sh                      # pytest tests/kernel
#   scripts/kernel-tier.sh -- CMD ARGS...       # any command, e.g. a benchmark
#   scripts/kernel-tier.sh -k info             # extra pytest arguments
#
# PYIPVS_VM_TIMEOUT (seconds, default 3600) bounds the command: past it, the run is taken for a
# hang, the guest prints its processes, their kernel stacks and Python stacks
# (scripts/vm-guest.sh), and the exit status is 124.
#
# Exit status: the command's. Output: the command's, plus lines prefixed "kernel-tier:".
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
UML_CACHE="$ROOT/.cache/uml"

if [[ ${1:-} == "--" ]]; then
    shift
    CMD=("$@")
else
    CMD=(.venv/bin/pytest tests/kernel "$@")
fi
limit=${PYIPVS_VM_TIMEOUT:-3600}

# What the guest tests and scripts read from the environment, passed on by name (the guests do
# not inherit this environment). Any other PYIPVS_* variable set here is passed on too.
GUEST_ENV=(PYIPVS_NO_SKIP PYIPVS_SANITIZE_TESTS PYIPVS_SANITIZE PYTHONDONTWRITEBYTECODE CI
    PATH HOME LANG)
for name in $(compgen -e PYIPVS_); do
    [[ " ${GUEST_ENV[*]} " == *" $name "* || $name == PYIPVS_KERNEL* ]] || GUEST_ENV+=("$name")
done

host_has_ip_vs() {
    [[ -e /proc/net/ip_vs ]] && return 0
    modprobe -q ip_vs 2>/dev/null && [[ -e /proc/net/ip_vs ]]
}

uml_ready() {
    [[ -x $UML_CACHE/linux && -s $UML_CACHE/versions.txt ]] && command -v taskset >/dev/null
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

run_host() {
    echo "kernel-tier: host kernel $(uname -r) has ip_vs; running directly"
    set +e
    PYIPVS_KERNEL_TIER=host timeout "$limit" "${CMD[@]}"
    rc=$?
    set -e
}

write_guest_env() { # $1: the file; the variables of GUEST_ENV that are set, then the tier
    local name
    : >"$1"
    for name in "${GUEST_ENV[@]}"; do
        [[ -v $name ]] && printf 'export %s=%q\n' "$name" "${!name}" >>"$1"
    done
    printf 'export PYIPVS_KERNEL_TIER=%q PWD_HOST=%q\n' "$2" "$ROOT" >>"$1"
}

# UML maps each page of a guest process's memory on its own, so the host's vm.max_map_count
# (65530 on Debian 12) caps any process in the guest at about 256 MB: past it the process
# stops making progress (found with 200,000 checker members, which need about 385 MB). Raise
# it for the run, saying so; nothing is written to /etc.
uml_map_count() {
    local want=262144 have
    have=$(cat /proc/sys/vm/max_map_count 2>/dev/null || echo "$want")
    if ((have < want)); then
        if sysctl -qw vm.max_map_count="$want" 2>/dev/null; then
            echo "kernel-tier: vm.max_map_count $have -> $want (UML guest processes past" \
                "$((have * 4 / 1024)) MB would stall)"
        else
            echo "kernel-tier: vm.max_map_count is $have and cannot be raised: a process in" \
                "the UML guest stalls past about $((have * 4 / 1024)) MB" >&2
        fi
    fi
}

run_uml() {
    uml_map_count
    echo "kernel-tier: booting User-Mode Linux $(cat "$UML_CACHE/kernel-release")" \
        "($(paste -sd, "$UML_CACHE/versions.txt")), pinned to CPU ${PYIPVS_UML_CPU:-0}"
    local run="$UML_CACHE/run/$$"
    rm -rf "$run"
    mkdir -p "$run"
    write_guest_env "$run/env.sh" uml
    printf '%q ' "${CMD[@]}" >"$run/cmd.sh"
    echo >>"$run/cmd.sh"
    trap "rm -rf '$run'" EXIT
    # UML's memory is a file in TMPDIR, filled lazily. --foreground keeps UML in this script's
    # process group, so stopping the run stops the guest too. The host's own limit is a backstop for a
    # guest that stops answering altogether; the guest's limit comes first and reports.
    timeout --foreground --kill-after=30 $((limit + 120)) taskset -c "${PYIPVS_UML_CPU:-0}" \
        "$UML_CACHE/linux" mem="${PYIPVS_VM_MEMORY:-3G}" rootfstype=hostfs rootflags=/ rw \
        seccomp=on quiet loglevel=3 con=null con0=fd:0,fd:1 init="$ROOT/scripts/uml-init.sh" \
        UML_RUN="$run" UML_CACHE="$UML_CACHE" UML_LIMIT="$limit" </dev/null 2>&1 |
        grep --line-buffered -v -e 'Failed to initialize ubd' -e '^reboot: Power down' \
            -e '^Powering off' || true
    if [[ -s $run/rc ]]; then
        rc=$(cat "$run/rc")
    else
        echo "kernel-tier: the UML guest did not report an exit status (boot failure, or it" \
            "stopped answering and was killed after $((limit + 120)) s)" >&2
        rc=3
    fi
    rm -rf "$run"
}

run_qemu() {
    local image=$1
    echo "kernel-tier: booting $image under qemu (TCG)"
    local logdir="$ROOT/.vm-logs"
    mkdir -p "$logdir"
    local rcfile="$logdir/rc.$$" envfile="$logdir/env.$$"
    rm -f "$rcfile"
    write_guest_env "$envfile" qemu
    printf -v quoted '%q ' "${CMD[@]}"
    local guest=". '$envfile' && cd '$ROOT' && scripts/vm-guest.sh '$rcfile' $limit $quoted"
    # The serial console pads its output with long runs of blanks: the sed drops them. Both
    # streams go through the pipe: virtme-ng reopens its stderr, which truncates it when it is
    # a regular file (a log of this whole run, say). The host's own limit is a backstop for a
    # guest that stops answering altogether; the guest's limit comes first and reports.
    PATH="$ROOT/.venv/bin:$PATH" timeout --kill-after=30 $((limit + 300)) \
        vng --disable-kvm --disable-microvm --run "$image" --user root \
        --rwdir "$ROOT" --memory "${PYIPVS_VM_MEMORY:-3G}" --cpus "${PYIPVS_VM_CPUS:-$(nproc)}" \
        --exec "$guest" </dev/null 2>&1 | sed -u -E 's/ {16,}//g' || true
    if [[ -s $rcfile ]]; then
        rc=$(cat "$rcfile")
    else
        echo "kernel-tier: the VM did not report an exit status (boot failure, or the guest" \
            "stopped answering and was killed after $((limit + 300)) s)" >&2
        rc=3
    fi
    rm -f "$rcfile" "$envfile"
}

cannot() { # $1: the tier, $2: why
    echo "kernel-tier: PYIPVS_KERNEL=$1 was asked for, but $2" >&2
    exit 2
}

start=$(date +%s)
rc=3
case ${PYIPVS_KERNEL:-} in
    host)
        host_has_ip_vs || cannot host "kernel $(uname -r) has no ip_vs"
        run_host ;;
    uml)
        uml_ready || cannot uml "UML is not set up in $UML_CACHE (run scripts/bootstrap.sh)"
        run_uml ;;
    qemu)
        image=$(vm_kernel) || cannot qemu "no /boot/vmlinuz-* has ip_vs modules (run" \
            "scripts/bootstrap.sh: it installs linux-image-amd64 and qemu)"
        run_qemu "$image" ;;
    "")
        if host_has_ip_vs; then
            run_host
        elif uml_ready; then
            echo "kernel-tier: host kernel $(uname -r) has no ip_vs; using UML"
            run_uml
        elif image=$(vm_kernel); then
            echo "kernel-tier: host kernel $(uname -r) has no ip_vs and UML is not set up" \
                "in $UML_CACHE; falling back to qemu"
            run_qemu "$image"
        else
            echo "kernel-tier: no ip_vs on this kernel, no UML in $UML_CACHE and no" \
                "/boot/vmlinuz-* with ip_vs modules; run scripts/bootstrap.sh" >&2
            exit 2
        fi ;;
    *)
        echo "kernel-tier: PYIPVS_KERNEL must be host, uml or qemu (not '$PYIPVS_KERNEL')" >&2
        exit 2 ;;
esac
echo "kernel-tier: exit status $rc after $(($(date +%s) - start)) s"
exit "$rc"
