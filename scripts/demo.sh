#!/usr/bin/env bash
# The main job on the built-in default, the seed scenario: installs what is needed, boots a kernel
# with ip_vs (a qemu VM when this machine's kernel has none), programs the seed's virtual server
# through pyipvs and shows the real ipvsadm's view of the same kernel state.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
scripts/bootstrap.sh
exec scripts/kernel-tier.sh -- bash scripts/seed-demo-inner.sh
