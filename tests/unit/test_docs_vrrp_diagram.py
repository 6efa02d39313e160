# SPDX-License-Identifier: Apache-2.0
"""docs/_ext/vrrp_diagram.py: the state diagram drawn by graphviz from a transition table."""

from __future__ import annotations

import enum
import re
from pathlib import Path
from typing import NamedTuple

import pytest
from docs_build import build, ext

vrrp_diagram = ext("vrrp_diagram")


class State(enum.Enum):
    INIT = "init"
    BACKUP = "backup"
    MASTER = "master"


class Event:
    """An event type whose str() is its label (no .name)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __str__(self) -> str:
        return self.text


class Row(NamedTuple):
    source: State
    event: str
    target: State
    condition: str | None


# A small table in the contract's shape: enum members, plain strings, a str()-only object, a
# named tuple, and a transition without a condition.
TABLE = [
    (State.INIT, "Startup", State.MASTER, "priority == 255"),
    (State.INIT, "Startup", State.BACKUP, "priority < 255"),
    Row(State.BACKUP, "Master_Down_Timer", State.MASTER, None),
    (State.MASTER, Event("advert received"), State.BACKUP, "higher priority"),
    ("MASTER", "Shutdown", "INIT", ""),
]
NOT_A_TABLE = {"INIT": "MASTER"}
BAD_ENTRY = [(State.INIT, "Startup", State.MASTER)]
EMPTY: list[tuple[str, str, str, str]] = []


def test_labels_come_from_strings_names_or_str() -> None:
    assert vrrp_diagram.label("BACKUP") == "BACKUP"
    assert vrrp_diagram.label(State.MASTER) == "MASTER"
    assert vrrp_diagram.label(Event("advert received")) == "advert received"


def test_parse_table_follows_the_contract() -> None:
    transitions = vrrp_diagram.parse_table(TABLE)
    assert [(t.source, t.event, t.target, t.condition) for t in transitions] == [
        ("INIT", "Startup", "MASTER", "priority == 255"),
        ("INIT", "Startup", "BACKUP", "priority < 255"),
        ("BACKUP", "Master_Down_Timer", "MASTER", ""),
        ("MASTER", "advert received", "BACKUP", "higher priority"),
        ("MASTER", "Shutdown", "INIT", ""),
    ]


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (NOT_A_TABLE, "must be an iterable"),
        ("INIT", "must be an iterable"),
        (BAD_ENTRY, "entry 0 must be a (from_state, event, to_state, condition) tuple"),
        (EMPTY, "no transitions"),
    ],
)
def test_parse_table_refuses_what_breaks_the_contract(table: object, message: str) -> None:
    with pytest.raises(vrrp_diagram.TableError, match=re.escape(message)):
        vrrp_diagram.parse_table(table)


def test_dot_has_every_state_once_and_an_edge_per_transition() -> None:
    dot = vrrp_diagram.to_dot(vrrp_diagram.parse_table(TABLE), initial="INIT")
    for state in ("INIT", "BACKUP", "MASTER"):
        assert dot.count(f'  "{state}";') == 1
    assert dot.count(" -> ") == len(TABLE) + 1  # and the entry arrow
    assert '"__start__" -> "INIT"' in dot
    assert 'label="Startup\\n[priority == 255]"' in dot
    assert 'label="Master_Down_Timer"' in dot


def test_resolve_accepts_both_spellings_and_names_what_is_missing() -> None:
    assert vrrp_diagram.resolve(f"{__name__}:TABLE")[0] is TABLE
    assert vrrp_diagram.resolve(f"{__name__}.TABLE")[0] is TABLE
    with pytest.raises(vrrp_diagram.TableError, match="has no attribute 'NOPE'"):
        vrrp_diagram.resolve(f"{__name__}:NOPE")
    with pytest.raises(vrrp_diagram.TableError, match="cannot import 'pyipvs_no_such_module'"):
        vrrp_diagram.resolve("pyipvs_no_such_module:TABLE")


def test_directive_renders_an_svg_with_graphviz(tmp_path: Path) -> None:
    rst = (
        "States\n======\n\n"
        f".. vrrp-state-diagram:: {__name__}:TABLE\n"
        "   :initial: INIT\n"
        "   :caption: A test table\n"
    )
    conf = 'graphviz_output_format = "svg"'
    built = build(tmp_path, rst, conf, extensions=("vrrp_diagram",))
    assert built.status == 0, built.warnings
    html = built.page()
    assert "A test table" in html
    svgs = list((built.outdir / "_images").glob("graphviz-*.svg"))
    assert len(svgs) == 1
    svg = svgs[0].read_text(encoding="utf-8")
    for text in ("INIT", "BACKUP", "MASTER", "Master_Down_Timer", "[higher priority]"):
        assert text in svg


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("NOT_A_TABLE", "must be an iterable"),
        ("BAD_ENTRY", "entry 0 must be"),
        ("MISSING", "has no attribute 'MISSING'"),
    ],
)
def test_directive_makes_a_bad_table_a_build_error(
    tmp_path: Path, target: str, message: str
) -> None:
    rst = f"States\n======\n\n.. vrrp-state-diagram:: {__name__}:{target}\n"
    built = build(tmp_path, rst, extensions=("vrrp_diagram",))
    assert built.status != 0
    assert message in built.warnings


def test_directive_refuses_an_initial_state_not_in_the_table(tmp_path: Path) -> None:
    rst = f"States\n======\n\n.. vrrp-state-diagram:: {__name__}:TABLE\n   :initial: FAULT\n"
    built = build(tmp_path, rst, extensions=("vrrp_diagram",))
    assert built.status != 0
    assert "initial state 'FAULT' is not in the table" in built.warnings
