"""The one-shot path of a single change (``pyipvs.cli.ipvsadm.oneshot``) against the full
parser (no kernel needed).

For every command line the one-shot path takes, the full path (``options.parse`` then
``rules.operation``) must make an operation whose request bytes are the same; a command line
the full parser refuses, or that is not a change, must not be taken. Command lines come from
the recorded ipvsadm 1.31 corpus, from hand-picked spellings, and from hypothesis: argv near
the shapes, with the spellings popt and libc accept but the shapes do not.
"""

from __future__ import annotations

import errno
import json
import subprocess
import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from pyipvs.cli.ipvsadm import oneshot
from pyipvs.cli.ipvsadm.messages import (
    CliExit,
    HelpRequested,
    LineError,
    VersionRequested,
    ipvs_strerror,
)
from pyipvs.cli.ipvsadm.options import parse
from pyipvs.cli.ipvsadm.rules import ModelRefused, operation
from pyipvs.ipvs.ops import request_of

DATA = Path(__file__).resolve().parent.parent / "data" / "ipvsadm"


def full_request(argv: list[str]) -> bytes | None:
    """The request the full path sends for argv, or None (refused, or not one change)."""
    try:
        op = operation(parse(argv, "ipvsadm"))
    except (CliExit, LineError, HelpRequested, VersionRequested, ModelRefused):
        return None
    return None if op is None else request_of(op)


def agrees(argv: list[str]) -> bool:
    """Asserts the one-shot request for argv is the full path's; True if it took argv."""
    message = oneshot.request(argv)
    if not message:
        return False
    assert full_request(argv) == message, argv
    return True


def test_the_recorded_corpus_agrees_with_the_full_parser() -> None:
    cases = json.loads((DATA / "ipvsadm-1.31-cases.json").read_text())
    argvs = [case["argv"] for case in cases]
    argvs += [line.split() for case in cases for line in case["stdin"].splitlines()]
    taken = [argv for argv in argvs if agrees(argv)]
    assert len(taken) >= 10, taken  # the corpus exercises the shapes


TAKEN = [
    "-A -t 10.0.0.1:80",
    "-A -t 10.0.0.1:80 -s rr",
    "-A -u 10.0.0.3:53 -s sh -p 300",
    "-A -t 10.1.2.3:65535 -s rr -p 2678400",
    "-A -t 10.0.0.1:80 -p 1",
    "-E -t 10.0.0.1:80 -s wrr -p 30",
    "-E -t 10.0.0.1:80",
    "-D -t 10.0.0.1:80",
    "-D -u 255.255.255.255:1",
    "-a -t 10.0.0.1:80 -r 192.168.10.1",
    "-a -t 10.0.0.1:80 -r 192.168.10.1:8080",  # route: the service's port, as ipvsadm
    "-a -t 10.0.0.1:80 -r 192.168.10.1:8080 -m",
    "-a -t 10.0.0.1:80 -r 192.168.10.1 -m -w 3",
    "-a -t 10.0.0.1:80 -r 192.168.10.1:0 -m -w 0",
    "-a -u 10.0.0.3:53 -r 192.168.10.2:99 -i -w 2147483647",
    "-a -t 10.0.0.1:80 -r 0.0.0.0:0 -g -w 5",
    "-a -t 10.0.0.1:80 -r 192.168.10.1 -w 7",
    "-e -t 10.0.0.1:80 -r 192.168.10.1:80 -m -w 9",
    "-e -t 10.0.0.1:80 -r 192.168.10.1",
    "-d -t 10.0.0.1:80 -r 192.168.10.1:8080",
    "-d -t 10.0.0.1:80 -r 192.168.10.1",
]


def test_plain_spellings_take_the_one_shot_path() -> None:
    assert [line for line in TAKEN if not agrees(line.split())] == []


NOT_TAKEN = [
    "",
    "-A",
    "-A -t",
    "-A -t 10.0.0.1:0 -s rr",  # zero port: the parser's error
    "-A -t 10.0.0.1:0 -s rr -p 300",  # allowed, but not a shape here
    "-A -t 10.0.0.1:80 -s rr -p 2678401",  # persistence out of range
    "-A -t 10.0.0.1:80 -s rr -p",  # the default persistence
    "-A -t 10.0.0.1:80 -p 30 -s rr",  # another order
    "-A -t 010.0.0.1:80 -s rr",  # octal, as inet_aton reads it
    "-A -t 10.1:80 -s rr",  # inet_aton's short form
    "-A -t 10.0.0.1:080 -s rr",
    "-A -t 10.0.0.1:http -s rr",
    "-A -t 10.0.0.1 -s rr",
    "-A -t [2001:db8::1]:80 -s rr",
    "-A -f 5 -s rr",
    "-A -t 10.0.0.1:80 -s RR",
    "-A -t 10.0.0.1:80 -s w-lc",
    "-A -t 10.0.0.1:80 -s aaaaaaaaaaaaaaaa",  # 16 characters: the parser cuts it
    "-A -t 10.0.0.1:80 -s rr -o",
    "-A -t 10.0.0.1:80 -s rr -M 255.255.255.0",
    "-A -t 10.0.0.1:80 -s rr -s wlc",
    "-A -t 10.0.0.1:80 -s",
    "--add-service -t 10.0.0.1:80 -s rr",
    "-A -t 10.0.0.1:80 -s rr\0x",
    "-A -t 1\u0662.0.0.1:80 -s rr",  # a non-ASCII digit
    "-D -t 10.0.0.1:80 -s rr",
    "-C",
    "-Z -t 10.0.0.1:80",
    "-L -n",
    "-a -t 10.0.0.1:80",
    "-a -t 10.0.0.1:80 -r",
    "-a -t 10.0.0.1:80 -r 192.168.0.1:80 -m -w 2147483648",
    "-a -t 10.0.0.1:80 -r 192.168.0.1:65536 -m -w 1",
    "-a -t 10.0.0.1:80 -r 192.168.0.1:80 -m -w 1 -x 5",
    "-a -t 10.0.0.1:80 -r 192.168.0.1:80 -w 1 -m",
    "-a -t 10.0.0.1:80 -r 192.168.0.1:80 -m -m",
    "-a -t 10.0.0.1:80 -r 192.168.0.1:80 -m -w +1",
    "-a -t 10.0.0.1:80 -r 192.168.0.1:80 -m -w",
    "-a -t 10.0.0.1:80 -r [2001:db8::5]:80 -m",
    "-a -f 5 -r 192.168.0.1:80 -m -w 1",
    "-d -t 10.0.0.1:80 -r 192.168.0.1:80 -m",
    "-d -t 10.0.0.1:80 -r 192.168.0.1:80 -w 1",
    "-x -t 10.0.0.1:80 -r 192.168.0.1:80",
]


def test_other_spellings_go_to_the_full_path() -> None:
    taken = [line for line in NOT_TAKEN if oneshot.request(line.split(" ") if line else [])]
    assert taken == []


def _number(low: int, high: int) -> st.SearchStrategy[str]:
    plain = st.integers(low, high).map(str)
    odd = st.sampled_from(["0", "00", "01", "+1", "-1", "1e3", " 1", "", "x", "9" * 12])
    return st.one_of(plain, plain, plain, odd)


_OCTET = st.one_of(st.integers(0, 255).map(str), st.sampled_from(["256", "010", "0x1", ""]))
_ADDRESS = st.one_of(
    st.tuples(_OCTET, _OCTET, _OCTET, _OCTET).map(".".join),
    st.sampled_from(["10.1", "10.0.0", "::1", "[::1]", "localhost", "1.2.3.4.5"]),
)
_ENDPOINT = st.one_of(st.tuples(_ADDRESS, _number(0, 70000)).map(":".join), _ADDRESS)
_SCHEDULER = st.sampled_from(["rr", "wlc", "sh", "mh", "a" * 15, "a" * 16, "RR", "w-lc", "9x"])
_SELECTOR = st.sampled_from(["-t", "-u", "-t", "-u", "-f", "--sctp-service", "-T"])
_SERVICE_COMMAND = st.sampled_from(["-A", "-E", "-D", "-Z"])
_SERVER_COMMAND = st.sampled_from(["-a", "-e", "-d"])
_OTHER = st.sampled_from(["-n", "-o", "x", "-s", "-p", "-w", "-m", "-r", "-6", "--ops"])


@st.composite
def near_shapes(draw: st.DrawFn) -> list[str]:
    if draw(st.booleans()):
        argv = [draw(_SERVICE_COMMAND), draw(_SELECTOR), draw(_ENDPOINT)]
        if draw(st.booleans()):
            argv += ["-s", draw(_SCHEDULER)]
        if draw(st.booleans()):
            argv += ["-p", draw(_number(0, 3_000_000))]
    else:
        argv = [draw(_SERVER_COMMAND), draw(_SELECTOR), draw(_ENDPOINT), "-r", draw(_ENDPOINT)]
        argv += draw(st.sampled_from([[], ["-m"], ["-g"], ["-i"], ["-x"]]))
        if draw(st.booleans()):
            argv += ["-w", draw(_number(0, 2**32))]
    if draw(st.integers(0, 5)) == 0:
        argv.insert(draw(st.integers(0, len(argv))), draw(_OTHER))
    return argv


@settings(max_examples=3000, deadline=None)
@given(near_shapes())
def test_generated_command_lines_agree_with_the_full_path(argv: list[str]) -> None:
    agrees(argv)


def test_the_one_shot_path_imports_only_the_compiled_module() -> None:
    """What a single -A loads before its request is sent: none of the modules that make the
    full path's start-up cost (the parser, the model, the handle and what they import)."""
    probe = (
        "import sys\n"
        "from pyipvs.cli.ipvsadm import main, oneshot\n"
        "assert oneshot.request(['-A', '-t', '10.0.0.1:80', '-s', 'rr'])\n"
        "print(sorted(m for m in sys.modules if m.startswith('pyipvs')))\n"
        "print(sorted({'re', 'enum', 'dataclasses', 'ipaddress', 'collections', 'functools',"
        " 'struct', 'typing', 'importlib'} & set(sys.modules)))\n"
    )
    ours, stdlib = subprocess.run(
        [sys.executable, "-I", "-c", probe], check=True, capture_output=True, text=True
    ).stdout.splitlines()
    assert ours == str(
        sorted(
            [
                "pyipvs",
                "pyipvs._bindings",
                "pyipvs._bindings.ipvs_once",
                "pyipvs._lazy",
                "pyipvs._native",
                "pyipvs._native.lib",  # cffi's name for the compiled module's lib
                "pyipvs.cli",
                "pyipvs.cli.ipvsadm",
                "pyipvs.cli.ipvsadm.main",
                "pyipvs.cli.ipvsadm.oneshot",
                "pyipvs.errors",
                "pyipvs.ipvs",
            ]
        )
    )
    assert stdlib == "[]"


# ---- -R as one batch ----


def test_a_restore_of_one_shot_lines_sends_the_full_paths_requests() -> None:
    lines = [line for line in TAKEN if not line.startswith(("-E", "-e"))] + TAKEN
    text = "\n".join(lines) + "\r\n" + lines[0] + "\n"
    parsed = oneshot.restore_requests(text)
    assert parsed is not None
    commands, requests = parsed
    expected = [full_request(line.split()) for line in [*lines, lines[0]]]
    assert requests == expected
    assert commands[:2] == ["add-service", "add-service"]


def test_a_restore_with_any_other_line_takes_the_full_path() -> None:
    for other in [*NOT_TAKEN, "", " ", "-A -t 10.0.0.1:80 -s rr ", "-A\t-t 10.0.0.1:80"]:
        assert oneshot.restore_requests(f"{TAKEN[0]}\n{other}\n{TAKEN[1]}\n") is None, other
    assert oneshot.restore_requests("") is None


def test_a_restore_reports_the_failed_lines_in_order_with_the_last_lines_status() -> None:
    commands = ["add-service", "add-server", "add-server", "delete-service"]
    errors, status = oneshot.restore_outcome(commands, 0, [0, -errno.EEXIST, -errno.ESRCH, 0])
    expected = [ipvs_strerror("add-server", errno.EEXIST), ipvs_strerror("add-server", errno.ESRCH)]
    assert errors.splitlines() == expected
    assert status == 0
    # A socket failure stopped the batch: an answer possibly lost (UNKNOWN), lines not run.
    errors, status = oneshot.restore_outcome(commands, -errno.ECONNRESET, [-errno.EEXIST, 2, 1, 1])
    assert status == -1
    assert errors.splitlines() == [
        ipvs_strerror("add-service", errno.EEXIST),
        ipvs_strerror("add-server", errno.ENOBUFS),
        ipvs_strerror("add-server", errno.ECONNRESET),
        ipvs_strerror("delete-service", errno.ECONNRESET),
    ]
