"""The console script's one-shot path (``pyipvs.cli.ipvsadm.oneshot``) against the real
ipvsadm 1.31, each a process of its own in a namespace of its own: for every single change in
a one-shot shape, successes and the kernel's refusals alike (which go to the full path),
stdout, stderr, the exit status and the resulting table are ipvsadm's."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from pyipvs.cli.ipvsadm import oneshot

IPVSADM = "/usr/sbin/ipvsadm"
PYIPVSADM = str(Path(sys.executable).parent / "pyipvsadm")
ROUTABLE = (
    "link add dummy0 type dummy",
    "link set dummy0 up",
    "addr add 192.168.255.254/16 dev dummy0",
)

# Each line in a one-shot shape (checked below), in an order that makes every kind of answer.
LINES = [
    "-A -t 10.0.0.1:80 -s rr",
    "-A -t 10.0.0.1:80 -s rr",  # exists: the full path's message
    "-A -u 10.0.0.2:53 -s sh -p 300",
    "-A -t 10.0.0.3:80",
    "-A -t 10.0.0.4:80 -s nosuch",  # no such scheduler
    "-E -t 10.0.0.1:80 -s wrr -p 30",
    "-E -t 10.0.0.99:80 -s rr",  # no such service
    "-a -t 10.0.0.1:80 -r 192.168.10.1:8080 -m -w 3",
    "-a -t 10.0.0.1:80 -r 192.168.10.1:8080 -m -w 3",  # exists
    "-a -t 10.0.0.1:80 -r 192.168.10.2",
    "-a -u 10.0.0.2:53 -r 192.168.10.3:99 -i -w 0",
    "-a -t 10.0.0.99:80 -r 192.168.10.1",  # no such service
    "-e -t 10.0.0.1:80 -r 192.168.10.1:8080 -m -w 9",
    "-e -t 10.0.0.1:80 -r 192.168.10.99:80 -m",  # no such server
    "-d -t 10.0.0.1:80 -r 192.168.10.2",
    "-d -t 10.0.0.1:80 -r 192.168.10.2",  # gone
    "-D -t 10.0.0.3:80",
    "-D -t 10.0.0.3:80",  # gone
]


def _namespace() -> str:
    name = f"pyipvs-{uuid.uuid4().hex[:10]}"
    subprocess.run(["ip", "netns", "add", name], check=True)
    return name


@pytest.fixture
def namespaces(ipvs_netns: str) -> Iterator[tuple[str, str]]:
    other = _namespace()
    try:
        for ns in (ipvs_netns, other):
            subprocess.run(["ip", "-n", ns, "link", "set", "lo", "up"], check=True)
            for cmd in ROUTABLE:  # real servers must be routable, as on a real director
                subprocess.run(["ip", "-n", ns, *cmd.split()], check=True)
        yield ipvs_netns, other
    finally:
        subprocess.run(["ip", "netns", "delete", other], check=False)


def run(ns: str, tool: str, argv: list[str], stdin: str = "") -> tuple[str, str, int]:
    done = subprocess.run(
        ["ip", "netns", "exec", ns, tool, *argv],
        capture_output=True,
        text=True,
        check=False,
        input=stdin,
    )
    # Both print their own argv[0].
    return done.stdout, done.stderr.replace(PYIPVSADM, IPVSADM), done.returncode


def test_every_line_is_a_one_shot_shape() -> None:
    assert [line for line in LINES if not oneshot.request(line.split())] == []


def test_single_changes_match_ipvsadm(namespaces: tuple[str, str]) -> None:
    theirs_ns, ours_ns = namespaces
    answers = set()
    for line in LINES:
        argv = line.split()
        theirs = run(theirs_ns, IPVSADM, argv)
        assert run(ours_ns, PYIPVSADM, argv) == theirs, line
        answers.add(theirs[2])
    assert answers == {0, 255}  # successes and refusals both
    saved = [run(ns, IPVSADM, ["-S", "-n"]) for ns in namespaces]
    assert saved[0] == saved[1]
    assert "-a -t 10.0.0.1:80 -r 192.168.10.1:8080 -m -w 9" in saved[0][0]


# A table with every part of a plain listing's lines: both families, marks, flags named per
# scheduler, persistence with a mask and an engine, one-packet scheduling, all methods, and
# IPv4 real servers far apart (ipvsadm's comparator wraps past 2**31).
TABLE = """-A -t 10.0.0.1:80 -s rr
-a -t 10.0.0.1:80 -r 192.168.10.1:80 -m -w 3
-a -t 10.0.0.1:80 -r 10.0.0.9:80 -m
-a -t 10.0.0.1:80 -r 192.168.200.3:8080 -m -w 0
-a -t 10.0.0.1:80 -r 192.168.10.8:80 -i
-A -t 10.0.0.2:443 -s wlc -p 600 -M 255.255.255.0
-a -t 10.0.0.2:443 -r 192.168.10.3 -g
-A -u 10.0.0.3:53 -s sh -b sh-fallback,sh-port -o
-a -u 10.0.0.3:53 -r 192.168.10.5:53 -m
-A -f 42 -s mh -b mh-port
-A -f 4294967295 -s rr
-A -f 43 -6 -s rr
-A -t [2001:db8::1]:443 -s wrr -p
-a -t [2001:db8::1]:443 -r [2001:db8::100]:443 -m -w 2
-a -t [2001:db8::1]:443 -r [::ffff:192.168.10.7]:443 -m
-A --sctp-service 10.0.0.4:3868 -s lc
-A -u 10.0.0.6:5060 -s rr -p 60 --pe sip
-A -t 10.0.0.7:8080 -s fo -b flag-1,flag-3
-A -t 200.0.0.1:80 -s rr
"""


def test_plain_listings_match_ipvsadm(namespaces: tuple[str, str]) -> None:
    ours_ns = namespaces[1]
    subprocess.run(["ip", "-n", ours_ns, "-6", "route", "add", "2001:db8::/32", "dev", "dummy0"])
    subprocess.run(["ip", "-n", ours_ns, "-6", "route", "add", "::ffff:0:0/96", "dev", "dummy0"])
    done = subprocess.run(
        ["ip", "netns", "exec", ours_ns, IPVSADM, "-R"], input=TABLE, text=True, check=False,
        capture_output=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    for argv in oneshot._PLAIN_LISTINGS:
        ours = run(ours_ns, PYIPVSADM, list(argv))
        assert ours == run(ours_ns, IPVSADM, list(argv)), argv
        assert ours[0].count("\n") >= 3 + TABLE.count("\n") - 1, argv  # one refused line at most


def test_a_table_larger_than_the_first_arrays_is_listed_whole(ipvs_netns: str) -> None:
    """The one-shot listing grows its arrays and lists again (here from room for 2 services)."""
    rules = "".join(
        f"-A -t 10.1.0.{i}:80 -s rr\n-a -t 10.1.0.{i}:80 -r 10.2.0.{i}:80 -m\n"
        for i in range(1, 41)
    )
    subprocess.run(["ip", "netns", "exec", ipvs_netns, IPVSADM, "-R"], input=rules, text=True)
    probe = (
        "import sys\n"
        "from pyipvs._bindings import ipvs_once\n"
        "ipvs_once._FIRST_SERVICES = 2\n"
        "sys.stdout.write(ipvs_once.listing(False).decode())\n"
    )
    ours = subprocess.run(
        ["ip", "netns", "exec", ipvs_netns, sys.executable, "-c", probe],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert ours == run(ipvs_netns, IPVSADM, ["-L", "-n"])[0]
    assert ours.count("\n") == 3 + 80


RESTORES = [
    "\n".join(LINES) + "\n",  # every line a one-shot shape: one batch, failures and all
    "\r\n".join(LINES[:6]) + "\r\n",  # CRLF
    "\n".join([*LINES[:4], "-A -t 10.0.0.9:80 -s rr -o", *LINES[4:]]) + "\n",  # the full path
    "\n".join([*LINES[:3], "", *LINES[3:8]]),  # a blank line; no newline at the end
]


@pytest.mark.parametrize("text", RESTORES, ids=["batch", "crlf", "full-path", "blank-line"])
def test_restores_match_ipvsadm(namespaces: tuple[str, str], text: str) -> None:
    theirs_ns, ours_ns = namespaces
    theirs = run(theirs_ns, IPVSADM, ["-R"], text)
    assert run(ours_ns, PYIPVSADM, ["-R"], text) == theirs
    assert theirs[1]  # some lines fail
    saved = [run(ns, IPVSADM, ["-S", "-n"]) for ns in namespaces]
    assert saved[0] == saved[1]
