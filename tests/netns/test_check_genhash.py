# SPDX-License-Identifier: Apache-2.0
"""pyipvs-genhash against keepalived's genhash on the same pages: equal digests and output.

Both run inside the test's namespace against the same real server (http.server, over TLS
too). Pages: small, empty, 1 MiB, chunked, a virtual host, an error status, and raw framings
(a lower-case ``content-length``, a body longer than its length, no length).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from check_servers import PageServer, in_netns, self_signed, serving, tls_context

GENHASH = shutil.which("genhash")
OURS = [sys.executable, "-m", "pyipvs.cli.genhash"]

URLS = [
    ["-u", "/"],
    ["-u", "/empty"],
    ["-u", "/big"],
    ["-u", "/chunked", "-P", "1.1"],
    ["-u", "/chunked", "-P", "1.0c"],
    ["-u", "/vhost", "-V", "www.example.test"],
    ["-u", "/vhost"],
    ["-u", "/status/404"],
    ["-u", "/raw/lowercase-length"],
    ["-u", "/raw/short-length"],
    ["-u", "/raw/no-length"],
]


@pytest.fixture
def genhash() -> str:
    if GENHASH is None:
        pytest.skip("keepalived's genhash is not installed (Debian package keepalived)")
    return GENHASH


def both(command: list[str], port: int, extra: list[str]) -> tuple[list[str], list[str]]:
    base = ["-s", "127.0.0.1", "-p", str(port), *extra]
    theirs = subprocess.run([command[0], *base], capture_output=True, text=True, timeout=60)
    ours = subprocess.run([*OURS, *base], capture_output=True, text=True, timeout=60)
    return [theirs.stdout, theirs.stderr], [ours.stdout, ours.stderr]


def test_digests_equal_genhash(netns: str, genhash: str) -> None:
    def body() -> list[tuple[list[str], str, str]]:
        with serving(PageServer(("127.0.0.1", 0))) as port:
            return [(url, *[o[0] for o in both([genhash], port, url)]) for url in URLS]

    for url, theirs, ours in in_netns(netns, body):
        assert re.fullmatch(r"[0-9a-f]{32}\n", theirs), (url, theirs)
        assert ours == theirs, url


def test_tls_digests_equal_genhash(netns: str, genhash: str, tmp_path: Path) -> None:
    def body() -> list[tuple[list[str], str, str]]:
        server = PageServer(("127.0.0.1", 0), tls_context(*self_signed(tmp_path)))
        with serving(server) as port:
            urls = [["-S", *u] for u in URLS[:4]] + [["-S", "-I", "-V", "rs.example", "-u", "/"]]
            return [(url, *[o[0] for o in both([genhash], port, url)]) for url in urls]

    for url, theirs, ours in in_netns(netns, body):
        assert re.fullmatch(r"[0-9a-f]{32}\n", theirs), (url, theirs)
        assert ours == theirs, url


def _comparable(verbose: str) -> list[str]:
    """Verbose output less what varies between runs: the Date header, the response time, and
    the section rules (genhash prints the body's rule only when the body came in its own
    read)."""
    return [
        line
        for line in verbose.splitlines()
        if not line.startswith(("Date:", "Global response time", "-----------------------["))
    ]


def test_verbose_output_matches_genhash(netns: str, genhash: str) -> None:
    def body() -> list[tuple[str, str]]:
        with serving(PageServer(("127.0.0.1", 0))) as port:
            outputs = []
            for url in (["-u", "/"], ["-u", "/empty"], ["-u", "/raw/short-length"]):
                theirs, ours = both([genhash], port, ["-v", *url])
                outputs.append((theirs[0], ours[0]))
            return outputs

    for theirs, ours in in_netns(netns, body):
        assert _comparable(ours) == _comparable(theirs)
        assert "Global response time for [" in ours


def test_failures_print_what_genhash_prints(netns: str, genhash: str) -> None:
    def body() -> list[tuple[list[str], subprocess.CompletedProcess[str]]]:
        runs = []
        for extra in (["-u", "/"],):  # nothing listens on port 9 in a fresh namespace
            theirs, _ = both([genhash], 9, extra)
            ours = subprocess.run(
                [*OURS, "-s", "127.0.0.1", "-p", "9", *extra],
                capture_output=True,
                text=True,
                timeout=60,
            )
            runs.append((theirs, ours))
        return runs

    for theirs, ours in in_netns(netns, body):
        assert ours.stdout == theirs[0] == "Connection failed\n"
        assert ours.returncode == 2  # genhash exits 0 here; we say it failed


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-s", "nothost", "-p", "80", "-u", "/"], "server should be an IP, not nothost"),
        (["-s", "127.0.0.1", "-p", "0", "-u", "/"], "invalid port number '0'"),
        (
            ["-s", "127.0.0.1", "-p", "80", "-u", "/", "-P", "2.0"],
            "invalid HTTP protocol version '2.0'",
        ),
        (["-s", "127.0.0.1", "-p", "80"], None),
        (["-h"], None),
    ],
)
def test_usage_errors_exit_1_like_genhash(
    genhash: str, args: list[str], message: str | None
) -> None:
    theirs = subprocess.run([genhash, *args], capture_output=True, text=True, timeout=60)
    ours = subprocess.run([*OURS, *args], capture_output=True, text=True, timeout=60)
    assert theirs.returncode == ours.returncode == 1
    assert ours.stdout == theirs.stdout == ""
    if message:
        assert message in theirs.stderr and message in ours.stderr
    assert "Usage:" in ours.stderr
