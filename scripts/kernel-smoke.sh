#!/usr/bin/env bash
# A short check that a kernel tier works end to end (CI runs it through the qemu VM, Debian 12's
# 6.1, so that fallback cannot rot): in a fresh namespace, Ipvs().info(), one batch that builds a
# small table, and pyipvsadm -L -n against the real ipvsadm -L -n, byte for byte.
#   scripts/kernel-tier.sh -- bash scripts/kernel-smoke.sh      (PYIPVS_KERNEL=qemu for the VM)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
NS="pyipvs-smoke-$$"
ip netns add "$NS"
trap 'ip netns del "$NS"' EXIT
ip -n "$NS" link set lo up
ip -n "$NS" link add smoke0 type dummy
ip -n "$NS" link set smoke0 up
ip -n "$NS" addr add 192.168.10.254/24 dev smoke0

"$ROOT/.venv/bin/python" - "$NS" <<'PY'
import sys

from pyipvs import Ipvs, RealServer, VirtualService, ops

with Ipvs(netns=sys.argv[1]) as ipvs:
    info = ipvs.info()
    print(f"smoke: IPVS {info.version}, connection table size {info.conn_table_size}")
    batch = []
    for port in (80, 443, 8080):
        vs = VirtualService("tcp", "10.0.0.1", port, scheduler="wlc")
        batch.append(ops.AddService(vs))
        for host in ("192.168.10.1", "192.168.10.2"):
            batch.append(ops.AddRealServer(vs, RealServer(host, port, forward="masq", weight=3)))
    results = ipvs.apply(batch)
    assert results.ok, results
    assert len(ipvs.table()) == 3
    print(f"smoke: one batch of {len(batch)} operations applied")
PY
ours=$(ip netns exec "$NS" "$ROOT/.venv/bin/pyipvsadm" -L -n)
theirs=$(ip netns exec "$NS" ipvsadm -L -n)
echo "$ours"
if [[ $ours != "$theirs" ]]; then
    echo "smoke: pyipvsadm -L -n differs from ipvsadm -L -n:"
    diff <(echo "$ours") <(echo "$theirs") || true
    exit 1
fi
echo "smoke: pyipvsadm -L -n is identical to ipvsadm -L -n on kernel $(uname -r)"
