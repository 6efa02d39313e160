"""pyipvs-keepalived -t and keepalived 2.2.7 -t on main files that are not regular files: the
same words (keepalived's exit 0 after "skipping" is the documented difference: pyipvs exits 4,
as for any main file it cannot use)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BOUND = 60


def stderr_of(argv: list[str]) -> tuple[int, str]:
    done = subprocess.run(
        argv, capture_output=True, text=True, timeout=BOUND, check=False, stdin=subprocess.DEVNULL
    )
    return done.returncode, done.stderr + done.stdout


@pytest.mark.parametrize("kind", ["fifo", "device", "directory"])
def test_same_refusal_as_keepalived(root: None, tmp_path: Path, kind: str) -> None:
    if kind == "fifo":
        path = str(tmp_path / "k.conf")
        os.mkfifo(path)
    elif kind == "device":
        path = "/dev/zero"
    else:
        path = str(tmp_path)
    theirs = stderr_of(["keepalived", "-t", "-l", "-n", "-f", path])
    ours = stderr_of([sys.executable, "-m", "pyipvs.cli.keepalived", "-t", "-f", path])
    assert theirs[0] == 0
    assert ours[0] == 4
    message = ours[1].split(":0: ", 1)[1].strip()
    assert message in theirs[1], (ours, theirs)
