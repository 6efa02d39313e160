#!/usr/bin/env bash
# Runs inside the kernel-tier VM (scripts/kernel-tier.sh starts it): loads ip_vs, runs the
# command under a time limit, and writes its exit status to the file the host reads.
#
#   scripts/vm-guest.sh RCFILE LIMIT_SECONDS CMD ARGS...
#
# A command still running after LIMIT_SECONDS is taken for a hang. Before killing it the guest
# prints what it knows, so that a hung CI run says where it stopped: every process of the
# command with its kernel stack, the blocked tasks and the end of the kernel log, then the Python
# stacks (SIGABRT: pytest enables faulthandler, which prints every thread). Exit status 124 then.
set -uo pipefail
rcfile=$1
limit=$2
shift 2

tree() { # the process $1 and all its descendants
    ps -eo pid=,ppid= | awk -v root="$1" '
        { parent[$1] = $2 }
        END {
            for (pid in parent) {
                p = pid
                while (p in parent && p != root && p > 1) p = parent[p]
                if (p == root) print pid
            }
        }'
}

report_hang() {
    local child=$1 pid
    echo "kernel-tier: guest: the command still runs after ${limit} s; what the guest knows:"
    echo "--- processes"
    ps -eo pid,ppid,stat,etime,args | grep -v ' \[' || true
    for pid in $(tree "$child"); do
        echo "--- pid $pid, waiting in $(cat "/proc/$pid/wchan" 2>/dev/null):" \
            "$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)"
        cat "/proc/$pid/stack" 2>/dev/null || true
    done
    echo "--- blocked tasks and the kernel log (tail)"
    echo w >/proc/sysrq-trigger 2>/dev/null || true
    dmesg | tail -n 40 || true
    echo "--- Python stacks"
    for pid in $(tree "$child"); do
        case $(cat "/proc/$pid/comm" 2>/dev/null) in
            pytest | python*) kill -ABRT "$pid" 2>/dev/null || true ;;
        esac
    done
    sleep 5
}

modprobe ip_vs || { echo 3 >"$rcfile"; exit 3; }
echo "kernel-tier: guest kernel $(uname -r), $(head -1 /proc/net/ip_vs)"
"$@" &
child=$!
waited=0
while kill -0 "$child" 2>/dev/null; do
    if ((waited >= limit)); then
        report_hang "$child"
        kill -KILL $(tree "$child") 2>/dev/null || true
        echo 124 >"$rcfile"
        exit 124
    fi
    sleep 1
    waited=$((waited + 1))
done
wait "$child"
rc=$?
echo "$rc" >"$rcfile"
exit "$rc"
