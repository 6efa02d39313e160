"""pyipvs-keepalived -f on files that are not files (issue #17): a FIFO must not block,
/dev/zero must not be read, a directory or an empty name is refused at once, with keepalived's
words and the place. Exit 4 (the main file cannot be used: a documented difference, keepalived
-t says "skipping" and exits 0)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pyipvs.config.lexer import main_file_refusal

BOUND = 60  # seconds: a hang is a failure, not a slow run


def check(path: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pyipvs.cli.keepalived", "-t", "-f", path],
        capture_output=True,
        text=True,
        timeout=BOUND,
        check=False,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture
def fifo(tmp_path: Path) -> str:
    name = str(tmp_path / "keepalived.conf")
    os.mkfifo(name)
    return name


def test_fifo_is_refused_without_blocking(fifo: str) -> None:
    done = check(fifo)
    assert done.returncode == 4
    assert done.stderr == (
        f"{fifo}:0: Configuration file '{fifo}' is not a regular non-executable file - skipping\n"
    )


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null", "/dev/urandom"])
def test_devices_are_refused_before_reading(device: str) -> None:
    done = check(device)
    assert done.returncode == 4
    assert "is not a regular non-executable file" in done.stderr
    assert "Traceback" not in done.stderr


def test_directory_is_refused(tmp_path: Path) -> None:
    done = check(str(tmp_path))
    assert done.returncode == 4
    assert f"Configuration file '{tmp_path}/' is a directory - skipping" in done.stderr


def test_empty_name_is_refused_not_the_default_file() -> None:
    done = check("")
    assert done.returncode == 4
    assert "/etc/keepalived" not in done.stderr
    assert "an empty -f argument" in done.stderr


def test_regular_file_is_accepted(tmp_path: Path) -> None:
    conf = tmp_path / "ok.conf"
    conf.write_text("global_defs {\n    router_id lb1\n}\n")
    assert main_file_refusal(str(conf)) is None
    assert check(str(conf)).returncode == 0


def test_missing_file_is_left_to_the_reader(tmp_path: Path) -> None:
    assert main_file_refusal(str(tmp_path / "absent.conf")) is None
    done = check(str(tmp_path / "absent.conf"))
    assert done.returncode == 4
    assert "cannot be read" in done.stderr
