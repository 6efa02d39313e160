#!/usr/bin/env bash
# The one test command: sets everything up from a fresh clone and runs every check and tier.
#   lint (ruff, mypy) -> docs (Sphinx, -W) -> C sanitizer build -> unit -> netns -> kernel (VM)
#   -> kernel-asan (the C that talks to the kernel, under ASan + UBSan, in the VM)
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
stage lint bash -c '.venv/bin/ruff check src tests benchmarks docs && .venv/bin/ruff format --check src tests benchmarks docs && .venv/bin/mypy && .venv/bin/lint-imports'
stage docs .venv/bin/sphinx-build -W -q -b html docs docs/_build/html
stage sanitize scripts/sanitize-tests.sh
stage unit .venv/bin/pytest tests/unit -q
stage netns .venv/bin/pytest tests/netns -q
# Each VM run has a time limit far above its usual time (~300 s and ~150 s): past it the run is
# taken for a hang, and the guest prints its processes and stacks before failing the stage.
PYIPVS_VM_TIMEOUT=1500 stage kernel scripts/kernel-tier.sh -q --durations=15
# The batch, request, dump and error paths again, with the sanitizer build. The 50,000-service
# test is left out: it checks its table with ipvsadm -S, which under the preloaded ASan runtime
# takes over ten minutes of emulated time (the C it exercises runs in the other batch tests).
PYIPVS_VM_TIMEOUT=900 stage kernel-asan scripts/kernel-tier.sh -- env \
    "PYIPVS_SANITIZE_TESTS=tests/kernel/test_ipvs_batch.py tests/kernel/test_ipvs_crud.py tests/kernel/test_ipvs_errors.py tests/kernel/test_ipvs_table.py tests/kernel/test_ipvs_unanswered.py" \
    scripts/sanitize-tests.sh -k "not 50000"

echo "=== wall time per stage"
printf '%s\n' "${SUMMARY[@]}"
echo "total      $(printf '%5d' "$SECONDS") s"
