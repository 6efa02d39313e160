# SPDX-License-Identifier: Apache-2.0
"""The same command lines given to the real keepalived 2.2.7 and to ``pyipvs-keepalived``:
the same exit status and the same message, where keepalived answers without starting."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PATH = os.environ.get("PATH", "") + ":/usr/sbin:/sbin"


def keepalived() -> str:
    found = shutil.which("keepalived", path=PATH)
    if found is None:
        pytest.skip("keepalived 2.2.7 is not installed")
    return found


def run(argv: list[str], cwd: Path) -> tuple[int, str, str]:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False, cwd=cwd)
    return done.returncode, done.stdout, done.stderr


OURS = [sys.executable, "-m", "pyipvs.cli.keepalived"]


@pytest.mark.parametrize(
    "argv",
    [
        ["--bogus"],
        ["--co"],
        ["--c=x"],
        ["--bogus=3"],
        ["-Z"],
        ["-nZ"],
        ["-f"],
        ["--use-file="],
        ["-p"],
        ["--signum=STOP"],
        ["--signum=RELOAD"],
        ["--signum=DATA"],
        ["--signum=STATS"],
        ["--signum=STATS_CLEAR"],
        ["--signum=JSON"],
        ["--signum=stop"],
        ["--signum=TDATA"],
        ["-g"],
    ],
)
def test_answers_without_starting(argv: list[str], tmp_path: Path) -> None:
    theirs = run([keepalived(), *argv], tmp_path)
    ours = run([*OURS, *argv], tmp_path)
    assert ours == theirs


def test_help_and_version_exit_0_on_stderr(tmp_path: Path) -> None:
    for flag in ("-h", "--help", "-v"):
        theirs = run([keepalived(), flag], tmp_path)
        ours = run([*OURS, flag], tmp_path)
        assert (
            (ours[0], ours[1], bool(ours[2]))
            == (theirs[0], theirs[1], bool(theirs[2]))
            == (
                0,
                "",
                True,
            )
        )


def test_every_keepalived_long_option_is_known(tmp_path: Path) -> None:
    """Each ``--name`` in keepalived's ``--help`` parses here (no ``Unknown option``)."""
    text = run([keepalived(), "--help"], tmp_path)[2]
    words = [w.split("=")[0].split("[")[0].rstrip(",") for w in text.split()]
    names = sorted({w for w in words if w.startswith("--")})
    assert len(names) > 30
    from pyipvs.daemon.options import OptionError, parse_options

    unknown = []
    for name in names:
        try:
            parse_options([name, "x"] if name in VALUED else [name])
        except OptionError as exc:
            unknown.append(f"{name}: {exc}")
    assert unknown == []


VALUED = {
    "--use-file",
    "--log-facility",
    "--umask",
    "--pid",
    "--vrrp_pid",
    "--checkers_pid",
    "--bfd_pid",
    "--snmp-agent-socket",
    "--namespace",
    "--config-id",
    "--signum",
}


def test_config_test_statuses_match(tmp_path: Path) -> None:
    """``-t`` on a clean file and on one with an unknown keyword: 0 and 5 from both."""
    clean, warned = tmp_path / "clean.conf", tmp_path / "warned.conf"
    clean.write_text("global_defs {\n    router_id lb1\n}\n")
    warned.write_text("global_defs {\n    bogus_keyword 1\n}\n")
    for path, status in ((clean, 0), (warned, 5)):
        theirs = run([keepalived(), "-t", "-f", str(path)], tmp_path)
        ours = run([*OURS, "-t", "-f", str(path)], tmp_path)
        assert ours[0] == theirs[0] == status, (ours, theirs)


def test_a_missing_configuration_exits_6_as_keepalived(tmp_path: Path) -> None:
    missing = str(tmp_path / "none.conf")
    flags = ["-n", "-G", "-P", "-p", str(tmp_path / "k.pid"), "-r", str(tmp_path / "v.pid")]
    theirs = run([keepalived(), *flags, "-f", missing], tmp_path)
    ours = run([*OURS, *flags, "-f", missing], tmp_path)
    assert ours[0] == theirs[0] == 6
    assert list(tmp_path.glob("*.pid")) == []
