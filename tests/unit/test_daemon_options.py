# SPDX-License-Identifier: Apache-2.0
"""keepalived 2.2.7's command line as :mod:`pyipvs.daemon.options` and ``pyipvs-keepalived``
read it: every option, keepalived's words and exit statuses for what it refuses. (The same
command lines against the real keepalived: tests/netns/test_daemon_cli_differential.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyipvs.cli import keepalived
from pyipvs.daemon.options import OptionError, parse_options, parse_umask, signum_of
from pyipvs.daemon.runtime import parse_facility


def test_the_stable_destinations_and_keepalived_defaults() -> None:
    args = parse_options([])
    assert (args.use_file, args.pid, args.vrrp_pid, args.checkers_pid) == (
        None,
        "/run/keepalived.pid",
        "/run/vrrp.pid",
        "/run/checkers.pid",
    )
    assert args.log_facility == "daemon" and args.log_detail == 0
    for flag in ("check", "vrrp", "log_console", "no_syslog", "dont_release_ipvs"):
        assert getattr(args, flag) is False
    assert (args.dont_respawn, args.dont_fork, args.config_test, args.all) == (False,) * 4


@pytest.mark.parametrize(
    ("argv", "dest", "value"),
    [
        (["-nlDC"], "check", True),
        (["-nlDC"], "log_detail", 1),
        (["-D", "-D"], "log_detail", 2),  # keepalived: -D twice is extra detail
        (["--use=k.conf"], "use_file", "k.conf"),  # getopt takes unique prefixes
        (["-fk.conf"], "use_file", "k.conf"),
        (["--vrrp_pid", "v.pid"], "vrrp_pid", "v.pid"),
        (["-s", "ns1"], "namespace", "ns1"),
        (["-i", "lb1"], "config_id", "lb1"),
        (["-t"], "config_test", True),
        (["-t/tmp/t.log"], "config_test", "/tmp/t.log"),
        (["--config-test=/tmp/t.log"], "config_test", "/tmp/t.log"),
        (["-M"], "core_dump_pattern", True),
        (["-Mcore.%p"], "core_dump_pattern", "core.%p"),
        (["--all"], "all", True),
        (["-P", "-R", "-I"], "dont_release_ipvs", True),
        (["-u", "022", "-S", "local3"], "umask", "022"),
        (["lone", "words"], "rest", ["lone", "words"]),
    ],
)
def test_options(argv: list[str], dest: str, value: object) -> None:
    assert getattr(parse_options(argv), dest) == value


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--bogus"], "Unknown option --bogus"),
        (["--co"], "Unknown option --co"),  # ambiguous prefix: getopt's '?'
        (["--c=x"], "Unknown option --c=x"),
        (["-Z"], "Unknown option -Z"),
        (["-nZ"], "Unknown option -Z"),
        (["-f"], "Missing parameter for option -f"),
        (["--use-file"], "Missing parameter for option --use-file"),
        (["--use-file="], "Missing parameter for option --use-file"),
    ],
)
def test_refused_with_keepalived_words(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(OptionError, match=message):
        parse_options(argv)
    assert keepalived.main(argv) == 1
    assert capsys.readouterr().err == message + "\n"


@pytest.mark.parametrize(
    ("text", "mask"),
    [("022", 0o22), ("18", 18), ("0x12", 0x12), ("0", 0), ("777", None), ("abc", None)],
)
def test_umask_is_strtoll_base_0(text: str, mask: int | None) -> None:
    assert parse_umask(text) == mask


def test_facilities() -> None:
    """SysLogHandler's numbers (LOG_DAEMON 3, LOG_USER 1, LOG_LOCALn 16 + n)."""
    assert parse_facility("daemon") == 3
    assert parse_facility("user") == 1
    assert parse_facility("3") == parse_facility("local3") == 16 + 3
    assert parse_facility("local8") is None and parse_facility("kern") is None


@pytest.mark.parametrize(
    ("name", "number"),
    [("STOP", 15), ("RELOAD", 1), ("DATA", 10), ("STATS", 12), ("JSON", 36), ("STATS_CLEAR", 63)],
)
def test_signum(name: str, number: int, capsys: pytest.CaptureFixture[str]) -> None:
    assert signum_of(name) == number
    assert keepalived.main([f"--signum={name}"]) == 0
    assert capsys.readouterr().out == f"{number}\n"


def test_unknown_signum(capsys: pytest.CaptureFixture[str]) -> None:
    assert keepalived.main(["--signum", "stop"]) == 1  # case matters, as in keepalived
    assert capsys.readouterr().err == "Unknown sigfunc stop\n"


def test_help_and_version_go_to_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    assert keepalived.main(["-h"]) == 0
    out, err = capsys.readouterr()
    assert out == "" and "--use-file" in err and "--dont-respawn" in err
    assert keepalived.main(["-C", "-P", "-B", "-X", "-V", "-x", "-a", "-r", "v.pid", "-v"]) == 0
    out, err = capsys.readouterr()
    assert out == "" and "keepalived v2.2.7" in err


def test_log_file_is_refused_as_the_debian_build_does(capsys: pytest.CaptureFixture[str]) -> None:
    assert keepalived.main(["-g"]) == 1
    assert "--enable-log-file" in capsys.readouterr().err


def test_reported_and_ignored(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A bad -S or -u is reported and the run goes on; extra words are listed on stdout."""
    conf = tmp_path / "k.conf"
    conf.write_text("global_defs {\n}\n")
    assert keepalived.main(["-t", "-S", "local9", "-u", "999", "-f", str(conf), "extra"]) == 0
    out, err = capsys.readouterr()
    assert out == "Unexpected argument(s): extra \n"
    assert "Invalid log facility 'local9'" in err and "Invalid --umask option 999" in err


def test_config_test_log_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    conf, report = tmp_path / "k.conf", tmp_path / "t.log"
    conf.write_text("bogus_keyword\n")
    assert keepalived.main([f"--config-test={report}", "-f", str(conf)]) == 5
    assert capsys.readouterr().err == ""
    assert f"{conf}:1: Unknown keyword 'bogus_keyword'" in report.read_text()


def test_a_configuration_keepalived_would_not_start_with_exits_6(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Refused in the parent, before anything forks: KEEPALIVED_EXIT_NO_CONFIG."""
    args = ["-n", "-G", "-l", "-p", str(tmp_path / "p.pid"), "-f", str(tmp_path / "none.conf")]
    assert keepalived.main(args) == 6
    err = capsys.readouterr().err
    assert f"{tmp_path / 'none.conf'}:0: Configuration file" in err
    assert not (tmp_path / "p.pid").exists()


WORDS = ["-f", "-t", "-tX", "--use", "--use-file=", "-nlDC", "-S", "-p", "--signum", "--", "-", "x"]


@settings(max_examples=300, deadline=None)
@given(argv=st.lists(st.one_of(st.sampled_from(WORDS), st.text(max_size=8)), max_size=8))
def test_any_command_line_parses_or_is_refused_in_words(argv: list[str]) -> None:
    try:
        args = parse_options(argv)
    except OptionError as exc:
        assert str(exc).startswith(("Unknown option", "Missing parameter")), exc
        return
    assert isinstance(args.rest, list)
