"""``-R``'s fast path against the full parser (no kernel needed).

For every line the fast path takes, the full parser (the words as ``-R`` splits them, then
``options.parse`` and ``rules.operation``) must give the same command, an equal operation and
the same request bytes; a line the full parser refuses must not be taken. Lines come from the
recorded ipvsadm 1.31 corpus (every command line and every ``-R`` input line), from the
golden-output file's saved rules, and from hypothesis: lines near the ``-S`` shape with the
spellings popt and libc accept but the shape does not (leading zeros, signs, octal and short
IPv4 forms, ports and weights out of range, doubled blanks, other options).
"""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from pyipvs.cli.ipvsadm.fastpath import fast_operation
from pyipvs.cli.ipvsadm.messages import CliExit, HelpRequested, LineError, VersionRequested
from pyipvs.cli.ipvsadm.options import parse
from pyipvs.cli.ipvsadm.restore import line_words
from pyipvs.cli.ipvsadm.rules import ModelRefused, operation
from pyipvs.ipvs.ops import Operation, request_of

DATA = Path(__file__).resolve().parent.parent / "data" / "ipvsadm"
REFUSED = "refused"


def full_path(line: str) -> tuple[str, Operation | None] | str:
    """What the full parser makes of one restore line, or REFUSED."""
    try:
        inv = parse(line_words(line), "ipvsadm")
        return inv.command, operation(inv)
    except (CliExit, LineError, HelpRequested, VersionRequested, ModelRefused):
        return REFUSED


def agrees(line: str) -> bool:
    """Asserts the fast path's answer for line matches the full parser's; True if it took it."""
    fast = fast_operation(line)
    if fast is None:
        return False
    expected = full_path(line)
    assert expected != REFUSED, line
    assert isinstance(expected, tuple) and expected[1] is not None
    assert fast == expected, line
    assert request_of(fast[1]) == request_of(expected[1]), line
    return True


def corpus_lines() -> list[str]:
    cases = json.loads((DATA / "ipvsadm-1.31-cases.json").read_text())
    lines = [" ".join(case["argv"]) + "\n" for case in cases]
    lines += [line for case in cases for line in case["stdin"].splitlines(keepends=True)]
    golden = (DATA / "ipvsadm-1.31-golden-outputs.txt").read_text().splitlines(keepends=True)
    lines += [line for line in golden if line.startswith(("-A ", "-a "))]
    return lines


def test_the_recorded_corpus_agrees_with_the_full_parser() -> None:
    lines = corpus_lines()
    taken = [line for line in lines if agrees(line)]
    # The corpus exercises the shape: a fast path that took nothing would prove nothing.
    assert len(taken) >= 20, taken


SAVED = [
    "-A -t 10.0.0.1:80 -s wlc\n",
    "-A -u 10.0.0.3:53 -s sh -p 300\n",
    "-A -t 10.1.2.3:65535 -s rr -p 2678400\n",
    "-a -t 10.0.0.1:80 -r 192.168.10.1:8080 -m -w 1\n",
    "-a -t 10.0.0.1:80 -r 192.168.10.1:8080 -g -w 0\n",  # -g: the service's port, as ipvsadm
    "-a -u 10.0.0.3:53 -r 192.168.10.2:0 -i -w 2147483647\r\n",
    "-a -t 255.255.255.255:1 -r 0.0.0.0:0 -m -w 5",
]


def test_saved_lines_take_the_fast_path() -> None:
    assert all(agrees(line) for line in SAVED)


NOT_TAKEN = [
    "-A -t 10.0.0.1:80\n",  # no scheduler: the parser's default
    "-A -t 10.0.0.1:0 -s rr\n",  # zero port: the parser's error
    "-A -t 10.0.0.1:80 -s rr -p 2678401\n",  # persistence out of range
    "-A -t 010.0.0.1:80 -s rr\n",  # octal, as inet_aton reads it
    "-A -t 10.1:80 -s rr\n",  # inet_aton's short form
    "-A -t 10.0.0.1:080 -s rr\n",
    "-A -t 10.0.0.1:http -s rr\n",
    "-A  -t 10.0.0.1:80 -s rr\n",
    "-A -t 10.0.0.1:80 -s rr -o\n",
    "ipvsadm -A -t 10.0.0.1:80 -s rr\n",
    "-a -t 10.0.0.1:80 -r 192.168.0.1:80 -m -w 2147483648\n",
    "-a -t 10.0.0.1:80 -r 192.168.0.1:65536 -m -w 1\n",
    "-a -t 10.0.0.1:80 -r 192.168.0.1:80 -m -w 1 -x 5\n",
    "-a -t 10.0.0.1:80 -r 192.168.0.1 -m -w 1\n",
    "-a -t 10.0.0.1:80 -r 192.168.0.1:80 -m -w +1\n",
    "-a -f 5 -r 192.168.0.1:80 -m -w 1\n",
    "-A -t 10.0.0.1:80 -s rr\0x\n",
]


def test_other_spellings_go_to_the_full_parser() -> None:
    assert [line for line in NOT_TAKEN if fast_operation(line) is not None] == []


def _number(low: int, high: int) -> st.SearchStrategy[str]:
    plain = st.integers(low, high).map(str)
    odd = st.sampled_from(["0", "00", "01", "+1", "-1", "1e3", " 1", "", "x", "9" * 12])
    return st.one_of(plain, plain, plain, odd)


_OCTET = st.one_of(st.integers(0, 255).map(str), st.sampled_from(["256", "010", "0x1", ""]))
_ADDRESS = st.one_of(
    st.tuples(_OCTET, _OCTET, _OCTET, _OCTET).map(".".join),
    st.sampled_from(["10.1", "10.0.0", "::1", "[::1]", "localhost", "1.2.3.4.5"]),
)
_ENDPOINT = st.tuples(_ADDRESS, _number(0, 70000)).map(":".join)
_SCHEDULER = st.sampled_from(["rr", "wlc", "sh", "mh", "a" * 15, "a" * 16, "RR", "w-lc", "9x"])
_SELECTOR = st.sampled_from(["-t", "-u", "-f", "--sctp-service", "-T"])
_BLANK = st.sampled_from([" ", " ", " ", " ", "  ", "\t", "\r"])
_END = st.sampled_from(["\n", "\r\n", "", " \n", "\n\n"])


@st.composite
def near_saved_lines(draw: st.DrawFn) -> str:
    if draw(st.booleans()):
        words = ["-A", draw(_SELECTOR), draw(_ENDPOINT), "-s", draw(_SCHEDULER)]
        if draw(st.booleans()):
            words += ["-p", draw(_number(0, 3_000_000))]
    else:
        words = ["-a", draw(_SELECTOR), draw(_ENDPOINT), "-r", draw(_ENDPOINT)]
        words += [draw(st.sampled_from(["-m", "-g", "-i", "-x"])), "-w", draw(_number(0, 2**32))]
    if draw(st.integers(0, 9)) == 0:
        words.insert(draw(st.integers(0, len(words))), draw(st.sampled_from(["-n", "-o", "x"])))
    text = words[0]
    for word in words[1:]:
        text += draw(_BLANK) + word
    return text + draw(_END)


@settings(max_examples=3000, deadline=None)
@given(near_saved_lines())
def test_generated_lines_agree_with_the_full_parser(line: str) -> None:
    agrees(line)


@st.composite
def saved_lines(draw: st.DrawFn) -> str:
    """Lines exactly as ``-S -n`` writes them, values anywhere in range."""
    address = ".".join(str(draw(st.integers(0, 255))) for _ in range(4))
    selector = draw(st.sampled_from(["-t", "-u"]))
    service = f"{selector} {address}:{draw(st.integers(1, 65535))}"
    if draw(st.booleans()):
        scheduler = draw(st.sampled_from(["rr", "wrr", "lc", "wlc", "sh", "mh", "twos"]))
        persistence = draw(st.one_of(st.none(), st.integers(1, 2678400)))
        tail = "" if persistence is None else f" -p {persistence}"
        return f"-A {service} -s {scheduler}{tail}\n"
    server = ".".join(str(draw(st.integers(0, 255))) for _ in range(4))
    port, weight = draw(st.integers(0, 65535)), draw(st.integers(0, 2**31 - 1))
    forward = draw(st.sampled_from(["-m", "-g", "-i"]))
    return f"-a {service} -r {server}:{port} {forward} -w {weight}\n"


@settings(max_examples=1000, deadline=None)
@given(saved_lines())
def test_every_saved_line_takes_the_fast_path(line: str) -> None:
    assert agrees(line)


def test_a_server_line_shares_its_equal_service_line_service() -> None:
    add_wlc, add_rr = "-A -t 10.9.9.1:80 -s wlc\n", "-A -t 10.9.9.2:80 -s rr\n"
    servers = [
        "-a -t 10.9.9.1:80 -r 10.8.0.1:80 -m -w 1\n",
        "-a -t 10.9.9.2:80 -r 10.8.0.1:80 -m -w 1\n",
    ]
    assert all(agrees(line) for line in [add_wlc, add_rr, *servers])
    wlc, rr, (_, on_wlc), (_, on_rr) = [
        fast_operation(line) for line in [add_wlc, add_rr, *servers]
    ]
    assert on_wlc.vs is wlc[1].vs  # type: ignore[index,union-attr]
    assert on_rr.vs is not rr[1].vs and on_rr.vs.scheduler == "wlc"  # type: ignore[index,union-attr]
