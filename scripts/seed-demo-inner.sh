#!/usr/bin/env bash
# Runs on a kernel with ip_vs (scripts/demo.sh boots one): the seed scenario's virtual server in a
# fresh network namespace.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ns="pyipvs-seed-$$"
ip netns add "$ns"
trap 'ip netns delete "$ns"' EXIT
PY="$ROOT/.venv/bin/python"

echo "--- pyipvs: Ipvs(netns=$ns).info()"
"$PY" - "$ns" <<'PY'
import sys
from pyipvs import Ipvs
with Ipvs(netns=sys.argv[1]) as ipvs:
    info = ipvs.info()
    print(f"IPVS {info.version}, connection table size {info.conn_table_size}")
PY
echo "--- the real ipvsadm -L -n in the same namespace"
ip netns exec "$ns" ipvsadm -L -n
