"""Hostile command lines for the three CLIs (issue #17), by class: random mixes of real
options and junk words (NUL, newlines, huge numbers, non-ASCII). The rule: no traceback, an
exit status the peer tool uses, bounded work. pyipvsadm runs in process on the host (no ip_vs:
anything that reaches the kernel stops at ipvs_init with exit 2, as ipvsadm would); the
kernel tier compares it with ipvsadm (tests/kernel/test_pyipvsadm_hostile.py)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from pyipvs.cli import genhash
from pyipvs.cli.ipvsadm.main import execute

IPVSADM_WORDS = [
    "-A",
    "-E",
    "-D",
    "-C",
    "-R",
    "-S",
    "-a",
    "-e",
    "-d",
    "-L",
    "-l",
    "-Z",
    "-t",
    "-u",
    "-f",
    "-s",
    "-p",
    "-M",
    "-r",
    "-g",
    "-i",
    "-m",
    "-w",
    "-x",
    "-y",
    "-n",
    "-c",
    "-6",
    "-o",
    "-b",
    "--timeout",
    "--daemon",
    "--stats",
    "--rate",
    "--exact",
    "--thresholds",
    "--sort",
    "--start-daemon",
    "--stop-daemon",
    "--syncid",
    "--mcast-ttl",
    "--set",
    "--pe",
    "-h",
    "-v",
    "10.0.0.5:80",
    "[::1]:80",
    "rr",
    "wlc",
    "master",
    "backup",
    "0",
    "-1",
    "65536",
    str(2**64),
    "1.2.3.4",
    "::",
    "eth0",
]
JUNK = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30
)  # NUL, newlines, any script
WORD = st.one_of(st.sampled_from(IPVSADM_WORDS), JUNK)
# What exec can carry: an argument of a real command line cannot hold a NUL.
EXEC_JUNK = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=30,
)


@settings(max_examples=300, deadline=None)
@given(argv=st.lists(WORD, max_size=10))
def test_pyipvsadm_any_command_line(argv: list[str]) -> None:
    out, err = io.StringIO(), io.StringIO()
    status = execute(argv, "pyipvsadm", out, err, stdin=io.StringIO(""))
    assert status in (0, 1, 2, 255), (argv, status, err.getvalue())
    assert "Traceback" not in err.getvalue()
    if status == 255:  # a usage error names the program or the argument
        assert err.getvalue(), argv


GENHASH_WORDS = [
    "-s",
    "-p",
    "-u",
    "-S",
    "-r",
    "-H",
    "-v",
    "-h",
    "-V",
    "-t",
    "-P",
    "-m",
    "1.2.3.4",
    "80",
    "/",
    "0",
    "-1",
    "65536",
    str(2**64),
    "x" * 5000,
]


@settings(max_examples=300, deadline=None)
@given(argv=st.lists(st.one_of(st.sampled_from(GENHASH_WORDS), JUNK), max_size=10))
def test_genhash_any_command_line(argv: list[str]) -> None:
    """parse_args gives a request, None (help) or a UsageError (exit 1 with the usage)."""
    try:
        request = genhash.parse_args(argv)
    except genhash.UsageError as exc:
        assert "Traceback" not in str(exc)
        return
    assert request is None or isinstance(request, genhash.Request)


KEEPALIVED_WORDS = ["-t", "-f", "-i", "--strict", "--dump-config", "-l", "-n", "-D", "-x"]


@settings(max_examples=25, deadline=None)
@given(extra=st.lists(st.one_of(st.sampled_from(KEEPALIVED_WORDS), EXEC_JUNK), max_size=5))
def test_keepalived_any_command_line(extra: list[str]) -> None:
    conf = Path(os.environ.get("TMPDIR", "/tmp")) / f"pyipvs-argv-{os.getpid()}.conf"
    conf.write_text("global_defs {\n    router_id lb1\n}\n")
    try:
        done = subprocess.run(
            [sys.executable, "-m", "pyipvs.cli.keepalived", "-t", "-f", str(conf), *extra],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    finally:
        conf.unlink()
    # 1: an option keepalived refuses (Unknown option, Missing parameter), as keepalived exits
    assert done.returncode in (0, 1, 2, 4, 5, 6), (extra, done.returncode, done.stderr)
    assert "Traceback" not in done.stderr


def test_help_to_a_closed_stdout_exits_0() -> None:
    """``pyipvsadm -h >&-``: ipvsadm exits 0 quietly (kernel tier compares it side by side)."""
    done = subprocess.run(
        [sys.executable, "-m", "pyipvs.cli.ipvsadm", "-h"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
        timeout=60,
        preexec_fn=lambda: os.close(1),
    )
    assert (done.returncode, done.stderr) == (0, "")


def test_help_to_a_full_device_exits_0() -> None:
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "pyipvs.cli.ipvsadm", "-h"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
            timeout=60,
        )
    assert (done.returncode, done.stderr) == (0, "")
