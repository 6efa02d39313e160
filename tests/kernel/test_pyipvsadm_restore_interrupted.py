"""``pyipvsadm -R`` where it is not ipvsadm line by line. When its netlink socket fails in the
middle of a batch (the full path's batches; the one-batch path in main reports the same way):
every line is reported with the socket's error, the exit status is ipvsadm's for a failed last
line, no traceback reaches the user, and the kernel is left as the lines that ran made it
(here: nothing ran). And the documented difference of the one-batch path: an input is read to
its end before anything is applied."""

from __future__ import annotations

import errno
import io
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from waiting import wait_for

from pyipvs import Ipvs
from pyipvs.cli.ipvsadm.main import execute

# Two lines the fast path takes and one that goes through the full parser: all three wait in
# the same batch, which is sent only at the end of the input.
LINES = (
    "-A -t 10.0.0.1:80 -s wlc\n"
    "-a -t 10.0.0.1:80 -r 10.1.0.1:80 -m -w 1\n"
    "--add-server --tcp-service 10.0.0.1:80 --real-server 10.1.0.2:80 --masquerading\n"
)


def _fds() -> set[int]:
    return {int(name) for name in os.listdir("/proc/self/fd")}


def _socket_fds(fds: set[int]) -> list[int]:
    found = []
    for fd in fds:
        try:
            if os.readlink(f"/proc/self/fd/{fd}").startswith("socket:"):
                found.append(fd)
        except OSError:
            continue
    return found


@pytest.fixture
def broken_handle(ipvs_netns: str) -> Iterator[Ipvs]:
    """An open handle whose netlink socket is replaced by /dev/null under it: the next
    sendmsg() fails with ENOTSOCK, as a socket torn down by the kernel would fail."""
    before = _fds()
    handle = Ipvs(netns=ipvs_netns)
    (fd,) = _socket_fds(_fds() - before)
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, fd)
    os.close(null)
    try:
        yield handle
    finally:
        handle.close()


def test_every_line_is_reported_and_nothing_is_left_half_done(
    broken_handle: Ipvs, ipvs_netns: str
) -> None:
    out, err = io.StringIO(), io.StringIO()
    status = execute(["-R"], "pyipvsadm", out, err, ipvs=broken_handle, stdin=io.StringIO(LINES))
    assert status == 255  # ipvsadm's -1 for a failed last line
    assert out.getvalue() == ""
    messages = err.getvalue().splitlines()
    assert messages == [os.strerror(errno.ENOTSOCK)] * 3
    with Ipvs(netns=ipvs_netns) as fresh:
        assert fresh.services() == []


# -- the deliberate difference: a one-batch -R reads its input to the end first ------------

IPVSADM = "/usr/sbin/ipvsadm"
PYIPVSADM = str(Path(sys.executable).parent / "pyipvsadm")
FIRST = "-A -t 10.0.0.7:80 -s rr\n"
SECOND = "-a -t 10.0.0.7:80 -r 10.1.0.7:80 -m -w 1\n"


def _saved(netns: str) -> str:
    done = subprocess.run(
        ["ip", "netns", "exec", netns, IPVSADM, "-S", "-n"], capture_output=True, text=True
    )
    return done.stdout


def _restore(tool: str, netns: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        ["ip", "netns", "exec", netns, tool, "-R"], stdin=subprocess.PIPE, text=True
    )
    assert proc.stdin is not None
    proc.stdin.write(FIRST)
    proc.stdin.flush()
    return proc


def _finish(proc: subprocess.Popen[str]) -> None:
    assert proc.stdin is not None
    proc.stdin.write(SECOND)
    proc.stdin.close()
    assert proc.wait(timeout=30) == 0


def test_one_batch_restore_waits_for_the_end_of_its_input(netns: str, peer_netns: str) -> None:
    """Both tools get the first line through a pipe that stays open. ipvsadm applies it at
    once; pyipvsadm, which reads a -R input whole before its one batch, applies nothing until
    the pipe closes (it cannot, whatever the wait: the second of waiting only gives it the
    chance ipvsadm had). Once closed, both tables are the same."""
    theirs, ours = _restore(IPVSADM, peer_netns), _restore(PYIPVSADM, netns)
    wait_for(lambda: _saved(peer_netns) != "", "ipvsadm -R applied its first line")
    time.sleep(1.0)
    assert _saved(netns) == ""
    _finish(theirs)
    _finish(ours)
    assert _saved(netns) == _saved(peer_netns)
    assert "-a -t 10.0.0.7:80 -r 10.1.0.7:80 -m -w 1" in _saved(netns)
