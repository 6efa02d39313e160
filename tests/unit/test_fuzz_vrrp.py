"""A short libFuzzer run of the C VRRP parser under ASan + UBSan (scripts/fuzz-vrrp.sh).

The long run is scripts/fuzz-vrrp-long.sh. clang comes from scripts/bootstrap.sh."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SECONDS = os.environ.get("PYIPVS_FUZZ_SECONDS", "20")


# scripts/sanitize-tests.sh runs this tier with gcc's ASan preloaded and a sanitized pyipvs on
# PYTHONPATH; the fuzzer links clang's own ASan runtime, and the seeding uses the normal build.
_SANITIZER_RUN_ENV = ("LD_PRELOAD", "PYTHONPATH", "ASAN_OPTIONS", "UBSAN_OPTIONS")


def test_vrrp_parser_survives_a_short_fuzzing_run() -> None:
    env = {k: v for k, v in os.environ.items() if k not in _SANITIZER_RUN_ENV}
    run = subprocess.run(
        [str(ROOT / "scripts" / "fuzz-vrrp.sh"), SECONDS],
        capture_output=True,
        text=True,
        env={**env, "PYTHON": sys.executable},
        timeout=int(SECONDS) + 240,
        check=False,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-4000:]
    executed = re.search(r"stat::number_of_executed_units: (\d+)", output)
    assert executed is not None, output[-4000:]
    assert int(executed.group(1)) > 10_000
