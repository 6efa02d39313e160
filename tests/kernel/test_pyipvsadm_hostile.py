"""pyipvsadm against the real ipvsadm where the environment is hostile (issue #17): a caller
without CAP_NET_ADMIN, closed or full standard streams. The rule: no traceback, the message
ipvsadm prints, ipvsadm's exit status."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PYIPVSADM = str(shutil.which("pyipvsadm", path=str(Path(sys.executable).parent)))
NO_NET_ADMIN = ["setpriv", "--bounding-set=-net_admin", "--inh-caps=-net_admin"]


def run(netns: str, tool: str, argv: list[str], shell_suffix: str = "") -> tuple[int, str, str]:
    """``tool argv`` in ``netns`` through a shell (for redirections such as ``>&-``)."""
    command = " ".join([tool, *argv]) + shell_suffix
    done = subprocess.run(
        ["ip", "netns", "exec", netns, "sh", "-c", command],
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    return done.returncode, done.stdout, done.stderr


COMMANDS = [
    ["-Ln"],
    ["-Sn"],
    ["-L", "--daemon"],
    ["-L", "--timeout"],
    ["-A", "-t", "10.9.9.9:80"],
    ["-a", "-t", "10.9.9.9:80", "-r", "10.9.9.10"],
    ["-C"],
    ["-R"],
    ["-Z"],
    ["--stop-daemon", "master"],
]


@pytest.mark.parametrize("argv", COMMANDS, ids=" ".join)
def test_without_net_admin_matches_ipvsadm(ipvs_netns: str, argv: list[str]) -> None:
    """ipvs_init fails first: 'Can't initialize ipvs: Permission denied (you must be root)',
    exit 2, for every command that talks to the kernel."""
    ours = run(ipvs_netns, " ".join(NO_NET_ADMIN), [PYIPVSADM, *argv])
    theirs = run(ipvs_netns, " ".join(NO_NET_ADMIN), ["ipvsadm", *argv])
    assert theirs[0] == 2, theirs
    assert theirs[2].startswith("Can't initialize ipvs: Permission denied (you must be root)\n")
    assert ours == theirs
    assert "Traceback" not in ours[2]


STREAM_CASES = [
    (["-h"], " >&-"),
    (["-h"], " >/dev/full"),
    (["-R"], " <&-"),
    (["-Ln"], " >/dev/full"),
    (["-Sn"], " >/dev/full 2>/dev/full"),
    (["-Ln"], " >&- 2>&-"),
    (["-A", "-t", "10.9.9.9:80", "-s", "nosuch"], " 2>/dev/full"),
    (["-Ln", "--nosuchoption"], " 2>&-"),
]


@pytest.mark.parametrize(("argv", "redirect"), STREAM_CASES, ids=lambda v: str(v))
def test_closed_or_full_streams_match_ipvsadm(
    ipvs_netns: str, argv: list[str], redirect: str
) -> None:
    """stdio loses what it cannot write; the exit status stays the command's."""
    ours = run(ipvs_netns, PYIPVSADM, argv, redirect)
    theirs = run(ipvs_netns, "ipvsadm", argv, redirect)
    assert ours[0] == theirs[0], (ours, theirs)
    assert ours[2] == theirs[2], (ours, theirs)
    assert "Traceback" not in ours[2]
