"""The ipvsadm option parser: popt habits, defaults, and the compatibility table.

Expected messages are ipvsadm 1.31's (its binary's format strings; the recorded runs are in
test_pyipvsadm_golden.py and test_pyipvsadm_cases.py).
"""

from __future__ import annotations

import io
from ipaddress import IPv4Address, IPv6Address

import pytest

from pyipvs.cli.ipvsadm.options import (
    COMMANDS,
    COMPATIBILITY,
    OPTIONS,
    Fail,
    HelpRequested,
    Invocation,
    LineError,
    TryHelp,
    VersionRequested,
    parse,
)
from pyipvs.cli.ipvsadm.restore import command_lines

P = "/usr/sbin/ipvsadm"


def parse_line(line: str) -> Invocation:
    return parse(line.split(), P)


def fails(argv: str) -> str:
    with pytest.raises(Fail) as info:
        parse(argv.split(), P)
    return info.value.text


def test_persistent_without_value_is_360_seconds() -> None:
    assert parse_line("-A -t 10.0.0.1:80 -p").service.persistence == 360
    assert parse_line("-A -t 10.0.0.1:80 -p -s rr").service.persistence == 360
    assert parse_line("-A -t 10.0.0.1:80 -p 30").service.persistence == 30
    assert parse_line("-A -t 10.0.0.1:80 -p30").service.persistence == 30
    assert parse_line("-A -t 10.0.0.1:80 --persistent=30").service.persistence == 30


def test_popt_spellings() -> None:
    inv = parse(["-At10.0.0.1:80", "--scheduler=rr"], P)
    assert (inv.command, inv.service.address, inv.service.scheduler) == (
        "add-service",
        IPv4Address("10.0.0.1"),
        "rr",
    )
    inv = parse(["-Ln"], P)
    assert inv.command == "list" and inv.has("numeric")
    inv = parse(["--list", "--tcp-service", "[2001:db8::1]:443", "--numeric"], P)
    assert inv.service.port == 443 and inv.has("numeric")


def test_defaults_of_add_server() -> None:
    inv = parse_line("-a -t 10.0.0.1:80 -r 192.168.0.2")
    assert (inv.server.forward, inv.server.weight, inv.server.port) == ("route", 1, 80)
    inv = parse_line("-a -t 10.0.0.1:80 -r 192.168.0.2:8080 -g")
    assert inv.server.port == 80  # direct routing keeps the service port
    inv = parse_line("-a -t 10.0.0.1:80 -r 192.168.0.2:8080 -m")
    assert inv.server.port == 8080


def test_ipv6_and_fwmark() -> None:
    inv = parse_line("-A -t [2001:db8::1]:443 -s rr")
    assert (inv.service.family, inv.service.address) == ("inet6", IPv6Address("2001:db8::1"))
    inv = parse_line("-A -f 43 -6 -s rr")
    assert (inv.service.fwmark, inv.service.family, inv.service.netmask) == (43, "inet6", 128)
    assert fails("-A -6 -f 43") == "-6 used before -f\n\n"


def test_compatibility_messages() -> None:
    assert fails("-A -t 10.0.0.52:80 -w 5") == (
        "Illegal 'weight' option with the 'add-service' command\n"
    )
    assert fails("-a -t 10.0.0.1:80") == (
        "You need to supply the 'real-server' option for the 'add-server' command\n"
    )
    assert fails("-L -c -t 10.0.0.1:80") == (
        "The option 'service-address' conflicts with the 'connection' option "
        "in the 'list' command\n"
    )
    assert fails("-A -t 10.0.0.1:80 -s rr -s wrr") == "multiple 'scheduler' options specified\n"
    assert fails("-a -t 10.0.0.1:80 -r 1.2.3.4 -m -g") == (
        "multiple 'forwarding-method' options specified\n"
    )
    assert fails("-A -A") == "invalid option `-A'\n"
    assert fails("-L -c --stats") == "options conflicts in the list command\n"


def test_table_has_a_row_per_command_and_a_column_per_option() -> None:
    assert set(COMPATIBILITY) == set(COMMANDS)
    assert all(len(row) == len(OPTIONS) == 34 for row in COMPATIBILITY.values())


def test_tunnel_rules() -> None:
    assert fails("-a -t 10.0.0.1:80 -r 1.2.3.4 -m --tun-type gue") == (
        "Tunnel options conflict with forward method\n"
    )
    assert fails("-a -t 10.0.0.1:80 -r 1.2.3.4 -i --tun-type gue") == (
        "You need to supply the 'tun-port' option for the 'gue' tunnel type\n"
    )
    assert fails("-a -t 10.0.0.1:80 -r 1.2.3.4 -i --tun-type ipip --tun-port 5") == (
        "Illegal 'tun-port' option with the 'ipip' tunnel type\n"
    )
    inv = parse_line("-a -t 10.0.0.1:80 -r 1.2.3.4 -i --tun-type gue --tun-port 6080 --tun-csum")
    assert (inv.server.tunnel_type, inv.server.tunnel_port, inv.server.tunnel_checksum) == (
        "gue",
        6080,
        "csum",
    )


def test_values() -> None:
    assert fails("-A -t 10.0.0.1 -s rr -p 99999999") == (
        "invalid timeout value `99999999' specified\n"
    )
    assert fails("--set 1 2") == "--set option requires 3 timeout values\n"
    assert fails("-A -t 1234") == "illegal virtual server address[:port] specified\n"
    assert fails("-A -f 0") == "invalid fwmark value `0' specified\n"
    assert fails("-a -t 10.0.0.1:80 -r 1.2.3.4 -w 2147483648") == "illegal weight specified\n"
    assert fails("-A -t 10.0.0.1:80 -s rr -b sh-port") == "incompatible scheduler flag `sh-port'\n"
    assert fails("-A -t 10.0.0.1:80 -s rr extra") == "unexpected argument extra\n"
    assert parse_line("--set 900 120 300").timeouts == (900, 120, 300)
    assert parse_line("-A -t 10.0.0.1:http").service.port == 80


def test_first_option_must_be_a_command() -> None:
    for argv in (["--bogus"], ["-t", "10.0.0.1:80"], ["#", "comment"]):
        with pytest.raises(TryHelp) as info:
            parse(argv, P)
        assert info.value.status == 255
        assert info.value.text == f"Try `{P} -h' or '{P} --help' for more information.\n"
    with pytest.raises(HelpRequested):
        parse(["-h"], P)
    with pytest.raises(VersionRequested):
        parse(["--version"], P)


def test_unknown_option_after_the_command_is_a_line_error() -> None:
    with pytest.raises(LineError) as info:
        parse(["-A", "--bogus"], P)
    assert info.value.text == "--bogus: unknown option\n"


def test_restore_words() -> None:
    text = "\n  \n-A\t-t 10.0.0.1:80\nipvsadm -C\n-A ipvsadm -t x\r\n"
    assert list(command_lines(io.StringIO(text))) == [
        ["-A", "-t", "10.0.0.1:80"],
        ["-C"],
        # CR separates words, as in ipvsadm 1.31 (a CRLF restore file restores: the kernel
        # tier's differential RESTORES cases compare it with the real ipvsadm).
        ["-A", "-t", "x"],
    ]
