# SPDX-License-Identifier: Apache-2.0
"""The thin layer's boundary: only ``pyipvs._bindings`` touches the C extension, and what it
hands up is plain Python values (ints, floats, bytes, tuples) or plain functions returning
them; a VRRP drop code becomes :class:`VrrpPacketError` inside the thin layer, as an errno
becomes a :class:`KernelError` there, never above it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from pyipvs._native import ffi

from pyipvs._bindings import vrrp as _c
from pyipvs.errors import VrrpPacketError
from pyipvs.vrrp import VrrpPacket

SRC = Path(__file__).resolve().parents[2] / "src" / "pyipvs"
CDATA = ffi.CData
GOOD = VrrpPacket(3, 7, 100, ["192.0.2.100"], 1.0).to_ip(src="192.0.2.1")
BAD = GOOD[:-1] + bytes([GOOD[-1] ^ 1])  # the last address byte: the checksum no longer holds


def plain(value: object) -> bool:
    if isinstance(value, tuple | list):
        return all(plain(v) for v in value)
    return isinstance(value, int | float | bytes | str) and not isinstance(value, CDATA)


def imports_native(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module == "pyipvs._native":
            return True
        if isinstance(node, ast.Import) and any(a.name == "pyipvs._native" for a in node.names):
            return True
    return False


def test_only_the_thin_layer_imports_the_extension() -> None:
    outside = [
        str(p.relative_to(SRC))
        for p in SRC.rglob("*.py")
        if "_bindings" not in p.parts and imports_native(p)
    ]
    assert outside == []


def test_the_fast_path_hands_up_plain_functions_of_plain_values() -> None:
    accept, read = _c.Parser().value_reader()
    serial = accept(GOOD)
    assert type(serial) is int and serial & 0xFF == 7
    fields = read()
    assert plain(fields)
    assert fields[0] == 1.0  # the interval, in seconds
    with pytest.raises(VrrpPacketError) as dropped:
        accept(BAD)
    assert dropped.value.reason == "checksum"


def test_single_parses_return_fields_or_raise_the_drop() -> None:
    parser = _c.Parser()
    fields = parser.parse_ip(GOOD)
    assert plain(fields)
    assert fields[_c.VRID] == 7
    with pytest.raises(VrrpPacketError) as dropped:
        parser.parse_ip(BAD)
    assert (dropped.value.reason, dropped.value.code) == ("checksum", 11)


def test_a_batch_answers_with_counts_and_reason_bytes() -> None:
    batch = _c.Parser().batch(2)
    accepted, reasons, counts = batch.parse(GOOD + BAD, None, [len(GOOD), len(BAD)])
    assert (accepted, reasons) == (1, bytes([0, 11]))
    assert plain(counts)
    assert plain(batch.fields(0))
