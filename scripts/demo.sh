#!/usr/bin/env bash
# The main job on the built-in default, the seed scenario: installs what is needed, boots a kernel
# with ip_vs (User-Mode Linux when this machine's kernel has none, else a qemu VM; see
# scripts/kernel-tier.sh), programs the seed's virtual server (192.168.0.1:80, wlc, persistence
# 50, real servers .12 weight 20 and .13 weight 8, NAT) with pyipvsadm and prints
# `pyipvsadm -L -n` next to the real `ipvsadm -L -n` of the same kernel.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
scripts/bootstrap.sh
exec scripts/kernel-tier.sh -- bash scripts/seed-ipvsadm-demo.sh
