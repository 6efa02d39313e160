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


def test_vrrp_parser_survives_a_short_fuzzing_run() -> None:
    run = subprocess.run(
        [str(ROOT / "scripts" / "fuzz-vrrp.sh"), SECONDS],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHON": sys.executable},
        timeout=int(SECONDS) + 240,
        check=False,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-4000:]
    executed = re.search(r"stat::number_of_executed_units: (\d+)", output)
    assert executed is not None, output[-4000:]
    assert int(executed.group(1)) > 10_000
