# SPDX-License-Identifier: Apache-2.0
"""Differential on generated bad command lines (issue #17): hypothesis builds command lines
from ipvsadm's words and from hostile values (addresses and ports out of range, numbers that
overflow, empty and non-ASCII words, options without their argument, commands twice, unknown
options), and each runs through the real ipvsadm 1.31 in one namespace and pyipvsadm in
another: stdout, stderr, exit status and the resulting table must be identical
(``check_same``). Never a traceback, never another answer than ipvsadm's."""

from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from test_pyipvsadm_differential import (
    IPVSADM,
    check_same,
    ipvs_kernel_pair,  # noqa: F401 (a fixture, used below)
    run,
)

COMMANDS = ["-A", "-E", "-D", "-a", "-e", "-d", "-C", "-Z", "-L", "-l", "-S", "--set"]
OPTIONS = [
    "-t", "-u", "-f", "--sctp-service", "-s", "-p", "-M", "-r", "-g", "-i", "-m", "-w", "-x",
    "-y", "-n", "-c", "-6", "-o", "-b", "--pe", "--tun-type", "--tun-port", "--tun-nocsum",
    "--exact", "--stats", "--rate", "--timeout", "--daemon", "--thresholds", "--numeric",
    "--weight", "--scheduler", "--persistent", "--netmask", "--stop-daemon", "--syncid",
]  # fmt: skip
GOOD_VALUES = [
    "10.0.0.1:80", "10.0.0.2:443", "192.168.1.1", "192.168.1.1:8080", "[2001:db8::1]:80",
    "rr", "wlc", "sh", "5", "0", "300", "255.255.255.0", "sh-port", "sip", "gue", "lo",
]  # fmt: skip
BAD_VALUES = [
    "10.0.0.300:80", "10.0.0.1:99999", "10.0.0.1:65536", "10.0.0.1:", ":80", "10.0.0.1:80:80",
    "[::1", "[2001:db8::1]", "[2001:db8::1]:", "2001:db8::1:80", "0.0.0.0:0", "-1", "-0",
    "99999999999", "4294967296", "2147483648", "65536", "0x10", "010", "1e3", "5abc", " 5",
    "", " ", "-", "--", "é", "10.0.0.1:\uff18\uff10", "nosuch", "flag-9", "sh-port,", ",",
    "x" * 300, "255.255.255.255", "255.0.255.0", "/24", "ipvsadm",
]  # fmt: skip
WORD = st.sampled_from(COMMANDS + OPTIONS + GOOD_VALUES + BAD_VALUES)
CLUSTER = st.builds(  # short options run together, as popt reads them: "-Ln", "-tA", "-w5"
    lambda a, b: a + b.lstrip("-"),
    st.sampled_from(["-L", "-A", "-a", "-w", "-t", "-p"]),
    st.sampled_from(["n", "A", "c", "5", "-1", "t", "x"]),
)
# Mostly a command first, so the lines get past it to the options and values.
FIRST = st.one_of(st.sampled_from(COMMANDS), st.sampled_from(COMMANDS), WORD, CLUSTER)
ARGV = st.builds(
    lambda first, rest: [first, *rest], FIRST, st.lists(st.one_of(WORD, CLUSTER), max_size=6)
)
SETUP = [
    ["-A", "-t", "10.0.0.1:80", "-s", "rr"],
    ["-a", "-t", "10.0.0.1:80", "-r", "192.168.1.1:80", "-m", "-w", "2"],
    ["-A", "-u", "10.0.0.2:443", "-s", "wlc", "-p", "300"],
]


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(argv=ARGV)
# Found by this test (2026-12-04): ipvsadm reads -b's words after the leftover check and
# --set's values, so these say "unexpected argument" / "requires 3 timeout values" first.
@example(argv=["-A", "10.0.0.1:80", "-b", "-A"])
@example(argv=["-A", "-t", "10.0.0.1:80", "-b", "bogus", "extra"])
@example(argv=["--set", "1", "2", "-b", "bogus"])
@example(argv=["-A", "-t", "10.0.0.1:80", "-b", "bogus", "-x", "5"])
def test_bad_command_lines_match_ipvsadm(
    ipvs_kernel_pair: tuple[str, str],  # noqa: F811 (the fixture imported above)
    argv: list[str],
) -> None:
    for ns in ipvs_kernel_pair:  # the same small table in both, so edits have a target
        run(ns, IPVSADM, ["-C"])
        for line in SETUP:
            run(ns, IPVSADM, line)
    check_same(ipvs_kernel_pair, argv)
