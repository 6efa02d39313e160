#!/bin/sh
# The init process of the kernel tier's User-Mode Linux guest (scripts/kernel-tier.sh boots it).
# The guest's root is this machine's own root filesystem (hostfs), read-write.
#
# The kernel passes its unknown command-line words KEY=value to init as its environment; only
# file names come that way: UML_RUN is the directory of this run on the host, holding env.sh (the
# variables the tests read, passed by name and sourced here), cmd.sh (the command) and, at the
# end, rc (its exit status). UML_CACHE is .cache/uml, UML_LIMIT the time limit in seconds.
#
# Mounts are the guest's own: /proc, /sys, a tmpfs for /run, /dev/shm and the guest's TMPDIR (so
# temporary files of the run do not land on the host), and the UML modules over /lib/modules, so
# modprobe, ipvsadm and the tests find them under /lib/modules/$(uname -r).
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t tmpfs tmpfs /run
[ -d /dev/shm ] && mount -t tmpfs tmpfs /dev/shm
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount --bind "$UML_CACHE/modroot/lib/modules" /lib/modules
mkdir -p /run/tmp
export TMPDIR=/run/tmp TERM=dumb
# Every IPVS scheduler and persistence engine this kernel ships (not the FTP helper), and what
# the tests build their networks from. A missing one is reported, not fatal: the tests that need it say so.
for m in $(ls "/lib/modules/$(uname -r)/kernel/net/netfilter/ipvs" | sed "s/\.ko.*//" | grep -v "^ip_vs_ftp$") \
    veth bridge dummy macvlan 8021q nf_conntrack; do
    modprobe "$m" || echo "kernel-tier: guest: no module $m"
done
ip link set lo up
. "$UML_RUN/env.sh"
cd "$PWD_HOST" || exit 1
scripts/vm-guest.sh "$UML_RUN/rc" "$UML_LIMIT" sh "$UML_RUN/cmd.sh"
# hostfs writes back lazily: without the sync the last output and the exit status can be lost.
sync
sleep 0.2
poweroff -f
