#!/usr/bin/env bash
# The one test command: sets everything up from a fresh clone and runs every check and tier.
#   lint (ruff, mypy) -> docs (Sphinx, -W) -> C sanitizer build -> unit -> netns -> kernel (VM)
# A skipped test fails the run (PYIPVS_NO_SKIP=1): CI must run every tier.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
export PYIPVS_NO_SKIP=1
export PYTHONDONTWRITEBYTECODE=1

declare -a SUMMARY=()
stage() {
    local name=$1
    shift
    local t0=$SECONDS
    echo "=== $name"
    "$@"
    SUMMARY+=("$(printf '%-10s %5d s' "$name" $((SECONDS - t0)))")
}

need_root() {
    if [[ $(id -u) -ne 0 ]]; then
        echo "test-all: the netns and kernel tiers need root (network namespaces, qemu)" >&2
        exit 2
    fi
}

need_root
stage bootstrap scripts/bootstrap.sh
stage lint bash -c '.venv/bin/ruff check src tests benchmarks docs && .venv/bin/ruff format --check src tests benchmarks docs && .venv/bin/mypy'
stage docs .venv/bin/sphinx-build -W -q -b html docs docs/_build/html
stage sanitize scripts/sanitize-tests.sh
stage unit .venv/bin/pytest tests/unit -q
stage netns .venv/bin/pytest tests/netns -q
stage kernel scripts/kernel-tier.sh -q --durations=15

echo "=== wall time per stage"
printf '%s\n' "${SUMMARY[@]}"
echo "total      $(printf '%5d' "$SECONDS") s"
