#!/usr/bin/env bash
# The seed's virtual server, programmed with pyipvsadm on the real kernel, listed by both tools.
#
# Run it where ip_vs exists, i.e. inside the kernel-tier VM:
#   scripts/kernel-tier.sh -- scripts/seed-ipvsadm-demo.sh
# It creates a network namespace, adds 192.168.0.1:80 (wlc, persistence 50) with real servers
# 192.168.0.12 (weight 20) and 192.168.0.13 (weight 8), NAT, using pyipvsadm; then prints
# `pyipvsadm -L -n` next to the real `ipvsadm -L -n` and says whether they are identical.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PYIPVSADM=${PYIPVSADM:-$ROOT/.venv/bin/pyipvsadm}
IPVSADM=${IPVSADM:-/usr/sbin/ipvsadm}
NS=pyipvs-seed-$$

cleanup() { ip netns delete "$NS" 2>/dev/null || true; }
trap cleanup EXIT

ip netns add "$NS"
# Real servers must be routable from the namespace (the kernel refuses others with EINVAL).
ip -n "$NS" link set lo up
ip -n "$NS" link add seed0 type dummy
ip -n "$NS" link set seed0 up
ip -n "$NS" addr add 192.168.0.254/24 dev seed0

in_ns() { ip netns exec "$NS" "$@"; }
run() { echo "+ pyipvsadm $*"; in_ns "$PYIPVSADM" "$@"; }

echo "--- the seed's virtual server, programmed with pyipvsadm"

run -A -t 192.168.0.1:80 -s wlc -p 50
run -a -t 192.168.0.1:80 -r 192.168.0.12:80 -m -w 20
run -a -t 192.168.0.1:80 -r 192.168.0.13:80 -m -w 8

# After the programming: 7.2 sizes its connection table when the first service exists.
echo "--- pyipvs: Ipvs(netns=$NS).info() on kernel $(uname -r)"
"$ROOT/.venv/bin/python" - "$NS" <<'PY'
import sys
from pyipvs import Ipvs
with Ipvs(netns=sys.argv[1]) as ipvs:
    info = ipvs.info()
    print(f"IPVS {info.version}, connection table size {info.conn_table_size}")
PY
ours=$(in_ns "$PYIPVSADM" -L -n)
theirs=$(in_ns "$IPVSADM" -L -n)
echo
echo "=== pyipvsadm -L -n"
echo "$ours"
echo "=== ipvsadm -L -n (the real ipvsadm 1.31)"
echo "$theirs"
echo
if [[ "$ours" == "$theirs" ]]; then
    echo "identical: yes (byte for byte)"
else
    echo "identical: NO"
    diff <(echo "$ours") <(echo "$theirs") || true
    exit 1
fi
