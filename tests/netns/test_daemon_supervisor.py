# SPDX-License-Identifier: Apache-2.0
"""The supervisor as a real process tree: real forks, real signals, real pid files
(tests/support/supervised.py runs it over two plain child functions)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import supervised
from waiting import wait_for

PATIENCE = 30.0  # a bound on waiting, never a timing assertion


def events(where: Path) -> list[tuple[str, int, str]]:
    path = where / "events"
    if not path.exists():
        return []
    rows = [line.split() for line in path.read_text().splitlines()]
    return [(name, int(pid), event) for name, pid, event in rows]


def pid_of(where: Path, name: str) -> int:
    """The pid in ``name``'s pid file, 0 while there is none (between a death and a respawn)."""
    try:
        return int((where / f"{name}.pid").read_text())
    except (FileNotFoundError, ValueError):
        return 0


def started(where: Path) -> dict[str, int]:
    return {name: pid for name, pid, event in events(where) if event == "started"}


class Tree:
    def __init__(self, where: Path, *flags: str, env: dict[str, str] | None = None) -> None:
        self.where = where
        self.proc = subprocess.Popen(
            [sys.executable, supervised.__file__, str(where), *flags],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, **(env or {})},
        )

    def up(self) -> dict[str, int]:
        wait_for(lambda: set(started(self.where)) == {"one", "two"}, "both children started")
        wait_for(lambda: (self.where / "parent.pid").exists(), "the parent's pid file")
        return {name: pid_of(self.where, name) for name in ("one", "two")}

    def signal(self, signo: int) -> None:
        self.proc.send_signal(signo)

    def wait(self) -> int:
        return self.proc.wait(PATIENCE)


@pytest.fixture
def tree(tmp_path: Path) -> Iterator[Callable[..., Tree]]:
    made: list[Tree] = []

    def make(*flags: str, env: dict[str, str] | None = None) -> Tree:
        made.append(Tree(tmp_path, *flags, env=env))
        return made[-1]

    yield make
    for one in made:
        if one.proc.poll() is None:
            one.proc.kill()
            one.proc.wait()


def test_pid_files_and_a_clean_stop(tmp_path: Path, tree: Callable[..., Tree]) -> None:
    t = tree()
    pids = t.up()
    assert int((tmp_path / "parent.pid").read_text()) == t.proc.pid
    assert pids == started(tmp_path) and t.proc.pid not in pids.values()
    t.signal(signal.SIGTERM)
    assert t.wait() == 0
    stopped = {(name, pid) for name, pid, event in events(tmp_path) if event == "SIGTERM"}
    assert stopped == set(pids.items())
    assert sorted(p.name for p in tmp_path.glob("*.pid")) == []


def test_a_killed_child_is_respawned_and_the_other_untouched(
    tmp_path: Path, tree: Callable[..., Tree]
) -> None:
    t = tree()
    first = t.up()
    os.kill(first["one"], signal.SIGKILL)
    wait_for(lambda: pid_of(tmp_path, "one") not in (0, first["one"]), "a new pid for one")
    wait_for(lambda: started(tmp_path)["one"] != first["one"], "one started again")
    assert pid_of(tmp_path, "two") == first["two"]
    assert ("two", first["two"], "SIGTERM") not in events(tmp_path)
    t.signal(signal.SIGINT)  # keepalived stops on SIGINT as on SIGTERM
    assert t.wait() == 0
    out = t.proc.stdout.read() if t.proc.stdout else ""
    assert "died: Respawning" in out, out


def test_with_R_a_dead_child_stops_the_daemon(tmp_path: Path, tree: Callable[..., Tree]) -> None:
    t = tree("-R")
    pids = t.up()
    os.kill(pids["two"], signal.SIGKILL)
    assert t.wait() == 0
    assert ("one", pids["one"], "SIGTERM") in events(tmp_path)
    assert list(tmp_path.glob("*.pid")) == []
    assert "died: Exiting" in (t.proc.stdout.read() if t.proc.stdout else "")


@pytest.mark.parametrize("code", [1, 2, 4])
def test_a_permanent_error_stops_the_daemon_with_its_status(
    tmp_path: Path, tree: Callable[..., Tree], code: int
) -> None:
    """keepalived's report_child_status: 1 fatal, 2 config, 4 permission end the daemon."""
    (tmp_path / "exit-two").write_text(str(code))
    t = tree()
    assert t.wait() == code
    assert "permanent error" in (t.proc.stdout.read() if t.proc.stdout else "")
    assert list(tmp_path.glob("*.pid")) == []


def test_an_ordinary_failure_is_respawned(tmp_path: Path, tree: Callable[..., Tree]) -> None:
    (tmp_path / "exit-two").write_text("3")
    t = tree()
    wait_for(lambda: "one" in started(tmp_path), "one started")
    out: list[str] = []
    # 0 s then 1 s between restarts: three runs of two come within a few seconds
    wait_for(lambda: (tmp_path / "parent.pid").exists(), "the parent's pid file")
    time.sleep(2.5)
    t.signal(signal.SIGTERM)
    assert t.wait() == 0
    out.append(t.proc.stdout.read() if t.proc.stdout else "")
    assert out[0].count("Starting two child process") >= 2, out[0]
    assert "exited with status 3" in out[0]


def test_signals_are_forwarded_as_keepalived_does(
    tmp_path: Path, tree: Callable[..., Tree]
) -> None:
    """SIGHUP (once the reload check passes) and SIGUSR1 to every child; SIGUSR2 only to the
    child that takes it (keepalived: the VRRP child)."""
    t = tree()
    pids = t.up()
    seen = lambda: {(n, e) for n, _p, e in events(tmp_path)}  # noqa: E731
    (tmp_path / "refuse").write_text("")
    t.signal(signal.SIGHUP)
    t.signal(signal.SIGUSR2)
    wait_for(lambda: ("two", "SIGUSR2") in seen(), "two got SIGUSR2")
    (tmp_path / "refuse").unlink()
    t.signal(signal.SIGHUP)
    t.signal(signal.SIGUSR1)
    wait_for(lambda: {("one", "SIGUSR1"), ("two", "SIGUSR1")} <= seen(), "SIGUSR1 to both")
    wait_for(lambda: {("one", "SIGHUP"), ("two", "SIGHUP")} <= seen(), "SIGHUP to both")
    t.signal(signal.SIGTERM)
    assert t.wait() == 0
    got = [(n, e) for n, _p, e in events(tmp_path)]
    assert got.count(("one", "SIGHUP")) == got.count(("two", "SIGHUP")) == 1  # not the refused
    assert ("one", "SIGUSR2") not in got
    assert {pid_of_row for _n, pid_of_row, _e in events(tmp_path)} == set(pids.values())
    assert "Reload refused" in (t.proc.stdout.read() if t.proc.stdout else "")


@pytest.mark.parametrize("signo", [signal.SIGHUP, signal.SIGTERM], ids=["reload", "stop"])
def test_a_signal_sent_while_a_child_starts_reaches_it(
    tmp_path: Path, tree: Callable[..., Tree], signo: signal.Signals
) -> None:
    """A respawned child still starting (no handler yet) neither dies of the signal nor loses
    it: a reload reaches the same child, a stop still stops it cleanly (its own handler ran)."""
    t = tree()
    first = t.up()
    (tmp_path / "slow-one").write_text("1.0")
    os.kill(first["one"], signal.SIGKILL)
    wait_for(lambda: pid_of(tmp_path, "one") not in (0, first["one"]), "one respawned")
    again = pid_of(tmp_path, "one")
    t.signal(signo)
    if signo == signal.SIGHUP:
        wait_for(lambda: ("one", again, "SIGHUP") in events(tmp_path), "the new one got SIGHUP")
        assert pid_of(tmp_path, "one") == again
        t.signal(signal.SIGTERM)
    assert t.wait() == 0
    assert ("one", again, signo.name) in events(tmp_path)


def test_a_signal_a_child_does_not_handle_does_not_kill_it(
    tmp_path: Path, tree: Callable[..., Tree]
) -> None:
    """Once a child said it is ready, what it left unhandled is ignored, not its death."""
    (tmp_path / "nohup-one").write_text("")
    t = tree()
    pids = t.up()
    t.signal(signal.SIGHUP)
    seen = lambda: {(n, p, e) for n, p, e in events(tmp_path)}  # noqa: E731
    wait_for(lambda: ("two", pids["two"], "SIGHUP") in seen(), "two reloaded")
    t.signal(signal.SIGUSR1)
    wait_for(lambda: ("one", pids["one"], "SIGUSR1") in seen(), "one still there")
    assert pid_of(tmp_path, "one") == pids["one"]
    t.signal(signal.SIGTERM)
    assert t.wait() == 0


def test_a_reload_starts_a_child_the_new_configuration_needs(
    tmp_path: Path, tree: Callable[..., Tree]
) -> None:
    (tmp_path / "unwanted-two").write_text("")
    t = tree()
    wait_for(lambda: "one" in started(tmp_path), "one started")
    t.signal(signal.SIGHUP)
    wait_for(lambda: ("one", "SIGHUP") in {(n, e) for n, _p, e in events(tmp_path)}, "a reload")
    assert "two" not in started(tmp_path)
    (tmp_path / "unwanted-two").unlink()
    t.signal(signal.SIGHUP)
    wait_for(lambda: "two" in started(tmp_path), "two started by the reload")
    t.signal(signal.SIGTERM)
    assert t.wait() == 0


def test_sd_notify_on_a_real_datagram_socket(tmp_path: Path, tree: Callable[..., Tree]) -> None:
    """READY=1 only once both children said they are up (one of them slow to start)."""
    path = str(tmp_path / "notify")
    (tmp_path / "slow-one").write_text("1.0")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(path)
        sock.settimeout(PATIENCE)
        t = tree(env={"NOTIFY_SOCKET": path})
        ready = sock.recv(4096).decode()
        assert set(started(tmp_path)) == {"one", "two"}
        t.up()
        t.signal(signal.SIGHUP)
        reloading = sock.recv(4096).decode()
        ready_again = sock.recv(4096).decode()
        t.signal(signal.SIGTERM)
        stopping = sock.recv(4096).decode()
        assert t.wait() == 0
    assert ready == f"READY=1\nMAINPID={t.proc.pid}"
    assert reloading.startswith("RELOADING=1\nMONOTONIC_USEC=")
    assert ready_again.startswith("READY=1") and stopping == "STOPPING=1"
