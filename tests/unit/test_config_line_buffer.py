# SPDX-License-Identifier: Apache-2.0
"""What keepalived 2.2.7 does and pyipvs now does too (issue #17), on the unit tier: a line
longer than keepalived's line buffer is read in 1023-byte pieces, each a line of its own; a
problem with an instance's ``interface`` is reported at that line; an included directory is a
notice. (tests/netns/test_keepalived_documented_differences.py checks them against keepalived.)"""

from __future__ import annotations

from pathlib import Path

from pyipvs.config import Severity, parse_config, read_config
from pyipvs.config.lexer import _NOT_C_BLANK, C_BLANKS, LINE_BUFFER, physical_lines


def test_a_1_mb_router_id_is_cut_as_keepalived_cuts_it() -> None:
    result = parse_config("global_defs {\n router_id " + "x" * 1_000_000 + "\n}\n")
    assert result.exit_status == 5
    assert len(result.config.global_defs.router_id or "") == LINE_BUFFER - len(" router_id ")
    pieces = [d for d in result.diagnostics if d.message.startswith("Unknown keyword 'x")]
    assert len(pieces) == len(result.diagnostics) == 1_000_011 // LINE_BUFFER
    assert {d.line for d in pieces} == {2}


def test_pieces_are_bytes_not_characters() -> None:
    line = "é" * 1000  # 2000 bytes in UTF-8
    cut = [text for _, text in physical_lines("a\n" + line + "\nb\n")]
    assert cut[0] == "a" and cut[-1] == "b"
    # 511 whole characters fit in 1023 bytes; the one cut in two is replaced, as bad UTF-8 is
    assert cut[1:-1] == ["é" * 511 + "\ufffd", "\ufffd" + "é" * 488]
    assert [n for n, _ in physical_lines("a\n" + line + "\nb\n")] == [1, 2, 2, 3]


def test_short_lines_are_untouched_and_end_at_newlines_only() -> None:
    text = "a\n" + "b" * (LINE_BUFFER - 1) + "\r\nc\rd\x0ce\x1cf\u2028g\n"
    assert list(physical_lines(text)) == [
        (1, "a"),
        (2, "b" * (LINE_BUFFER - 1) + "\r"),
        (3, "c\rd\x0ce\x1cf\u2028g"),
    ]


def test_words_are_split_on_c_blanks_only() -> None:
    """A CR, VT or FF inside a line separates words; a non-breaking space (pasted from a web
    page) or an ASCII separator control does not, in keepalived: neither here."""
    blanks = "router_id a\rb\x0bc\x0cd"
    assert parse_config(f"global_defs {{\n {blanks}\n}}\n").config.global_defs.router_id == "a"
    for glued in ("a\xa0b", "a\x1cb", "a\u2003b"):
        result = parse_config(f"global_defs {{\n router_id {glued}\n}}\n")
        assert (result.config.global_defs.router_id, result.exit_status) == (glued, 0)


def test_python_and_c_blanks_differ_exactly_by_the_listed_characters() -> None:
    python_only = {chr(c) for c in range(0x110000) if chr(c).isspace()} - set(C_BLANKS)
    assert python_only == {c for c in map(chr, range(0x3001)) if _NOT_C_BLANK.match(c)}


def test_an_interface_problem_is_reported_at_the_interface_line() -> None:
    text = (
        "vrrp_instance VI_1 {\n state BACKUP\n interface lo\n virtual_router_id 51\n"
        " priority 100\n virtual_ipaddress {\n  10.0.0.5\n }\n}\n"
    )
    found = [(d.line, d.message) for d in parse_config(text).diagnostics]
    assert (3, "(VI_1) cannot use a loopback interface (lo) for vrrp - ignoring") in found
    assert (1, "(VI_1) Unknown interface!") in found  # no line in keepalived: the instance's


def test_an_included_directory_is_a_notice(tmp_path: Path) -> None:
    (tmp_path / "conf.d").mkdir()
    main = tmp_path / "k.conf"
    main.write_text("include conf.d\n")
    result = read_config(str(main))
    assert [(d.severity, d.line) for d in result.diagnostics] == [(Severity.NOTICE, 1)]
    assert result.exit_status == 0
