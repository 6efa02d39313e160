# SPDX-License-Identifier: Apache-2.0
"""``pyipvs-keepalived -C`` command line: dispatch, keepalived's options, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from pyipvs.cli import keepalived
from pyipvs.daemon.check_main import wants_check_mode


@pytest.mark.parametrize(
    ("argv", "wanted"),
    [
        (["-C", "-n", "-l", "-D", "-f", "k.conf"], True),
        (["--check"], True),
        (["-nlDC"], True),
        (["-C", "-t"], False),  # the configuration test keeps its own path
        (["-f", "/etc/C.conf"], False),
        (["-f", "-C.conf"], False),
        (["-t", "-f", "k.conf"], False),
    ],
)
def test_dispatch(argv: list[str], wanted: bool) -> None:
    assert wants_check_mode(argv) is wanted


def test_signum(capsys: pytest.CaptureFixture[str]) -> None:
    assert keepalived.main(["-C", "--signum=RELOAD"]) == 0
    assert capsys.readouterr().out == "1\n"
    assert keepalived.main(["-C", "--signum", "STOP"]) == 0
    assert capsys.readouterr().out == "15\n"
    assert keepalived.main(["-C", "--signum=NOPE"]) == 1


def test_missing_configuration_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert keepalived.main(["-C", "-n", "-G", "-f", str(tmp_path / "none.conf")]) == 1
    assert "not found" in capsys.readouterr().err


def test_bad_facility_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    conf = tmp_path / "k.conf"
    conf.write_text("global_defs {\n}\n")
    assert keepalived.main(["-C", "-n", "-S", "local9", "-f", str(conf)]) == 1
    assert "invalid log facility" in capsys.readouterr().err


def test_options_of_other_subsystems_are_accepted(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert keepalived.main(["-C", "-P", "-B", "-X", "-V", "-x", "-a", "-r", "v.pid", "-v"]) == 0
    assert "pyipvs-keepalived" in capsys.readouterr().out


def test_a_checker_that_cannot_start_is_not_respawned_forever(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A configuration keepalived refuses: the child exits fatal and the parent stops."""
    conf = tmp_path / "k.conf"
    conf.write_text("include /nonexistent/*.conf\nvirtual_server 10.0.0.5 {\n")
    args = [
        "-C",
        "-n",
        "-l",
        "-G",
        "-f",
        str(conf),
        "-p",
        str(tmp_path / "p.pid"),
        "-c",
        str(tmp_path / "c.pid"),
    ]
    assert keepalived.main(args) == 4
    assert not (tmp_path / "p.pid").exists()
