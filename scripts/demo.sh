#!/usr/bin/env bash
# The main job on the built-in default, the seed scenario: installs what is needed, boots a kernel
# with ip_vs (User-Mode Linux when this machine's kernel has none, else a qemu VM; see
# scripts/kernel-tier.sh) and runs pyipvs-lab in it: client, lb1, lb2, rs1, rs2 in network
# namespaces, pyipvs-keepalived on the load balancers (--daemon keepalived: keepalived 2.2.7) with the seed's keepalived.conf, real HTTP through
# the VIP 10.0.0.5; the traffic split against the weights 20:8, `pyipvsadm -L -n` next to the real
# `ipvsadm -L -n` of the live table, a failover when lb1 dies, a dead real server leaving the
# pool, the sorry server when both are down, and a summary.
#
#   scripts/demo.sh                      # the seed as written (delay_loop 30: about 1.5 min)
#   scripts/demo.sh --delay-loop 3       # the same, checks every 3 s (about 30 s)
#   scripts/demo.sh --json               # one JSON document per phase, for scripts
#
# Arguments go to pyipvs-lab (docs/reference/pyipvs-lab.rst). On a terminal the view redraws in
# place; into a pipe or a file it prints events as lines and the whole view after each phase.
# Each run's configs, daemon logs, pid files and notify log stay in .cache/lab/DATE-TIME.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
scripts/bootstrap.sh
view=--plain
[[ -t 1 ]] && view=--live
exec scripts/kernel-tier.sh -- .venv/bin/pyipvs-lab "$view" \
    --workdir ".cache/lab/$(date +%Y%m%d-%H%M%S)" "$@"
