# SPDX-License-Identifier: Apache-2.0
"""Differential by class (issue #17: line endings and bytes): hypothesis rewrites a clean
configuration's blanks (indentation and the blank after each keyword) with runs of C's blanks
(space, tab, CR, vertical tab, form feed) and its line endings with LF or CRLF; the real
``keepalived -t`` (2.2.7) and ``pyipvs-keepalived -t`` must give the same exit status (0: the
rewritten file means what the clean one means to both)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

CLEAN = Path(__file__).resolve().parent.parent / "data" / "keepalived" / "ok_full.conf"
BLANK_RUNS = st.text(alphabet=" \t\r\v\f", min_size=1, max_size=4)
BOUND = 60


def rewrite(text: str, indents: list[str], gaps: list[str], endings: list[str]) -> str:
    out = []
    for n, line in enumerate(text.splitlines()):
        body = line.lstrip(" ")
        indent = indents[n % len(indents)] if len(body) < len(line) else ""
        keyword, space, rest = body.partition(" ")
        if space and '"' not in keyword:
            body = keyword + gaps[n % len(gaps)] + rest
        out.append(indent + body + endings[n % len(endings)])
    return "".join(out)


@pytest.fixture(scope="module")
def lab() -> Iterator[str]:
    """A namespace with exactly eth0 and eth1, so interface checks agree (as the corpus test)."""
    if os.geteuid() != 0:
        pytest.skip("needs root (network namespaces)")
    name = f"pyipvs-blanks-{os.getpid()}"
    subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        for dev in ("eth0", "eth1"):
            peer = ["peer", "name", dev + "p"]
            subprocess.run(
                ["ip", "-n", name, "link", "add", dev, "type", "veth", *peer], check=True
            )
        subprocess.run(["ip", "-n", name, "link", "set", "eth0", "up"], check=True)
        yield name
    finally:
        subprocess.run(["ip", "netns", "delete", name], check=False)


def statuses(netns: str, cwd: Path, *commands: list[str]) -> list[int]:
    """The exit status of each command, run at once in *netns* (each is a process start and a
    whole configuration read: at once, an example costs one of them, not their sum)."""
    running = [
        subprocess.Popen(
            ["ip", "netns", "exec", netns, *argv],
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for argv in commands
    ]
    try:
        return [process.wait(BOUND) for process in running]
    finally:
        for process in running:
            if process.poll() is None:
                process.kill()
                process.wait()


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    indents=st.lists(BLANK_RUNS, min_size=1, max_size=5),
    gaps=st.lists(BLANK_RUNS, min_size=1, max_size=5),
    endings=st.lists(st.sampled_from(["\n", "\r\n"]), min_size=1, max_size=3),
)
def test_any_c_blanks_and_line_endings_mean_the_same(
    lab: str, tmp_path_factory: pytest.TempPathFactory,
    indents: list[str], gaps: list[str], endings: list[str],
) -> None:  # fmt: skip
    where = tmp_path_factory.mktemp("blanks")
    (where / "k.conf").write_bytes(rewrite(CLEAN.read_text(), indents, gaps, endings).encode())
    theirs, ours = statuses(
        lab,
        where,
        ["keepalived", "-t", "-f", "k.conf"],
        [sys.executable, "-m", "pyipvs.cli.keepalived", "-t", "-f", "k.conf"],
    )
    assert (ours, theirs) == (0, 0)
