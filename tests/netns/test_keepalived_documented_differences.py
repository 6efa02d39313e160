# SPDX-License-Identifier: Apache-2.0
"""Each row of "Where pyipvs differs from keepalived" (docs/reference/keepalived-conf.rst) that
has no test elsewhere, run through the real ``keepalived -t`` (2.2.7) and ``pyipvs-keepalived
-t``: both exit statuses, and the line each tool gives for its message, are as the page says;
the rows that are now aligned say the same thing at the same line.

Rows tested elsewhere: special main files (test_keepalived_special_files_differential.py), and
the statuses of the corpus's ``diff_*.conf`` files (test_keepalived_differential.py)."""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

BOUND = 60
KEEPALIVED_LINE = re.compile(r"\((?:[^:()]*: )?Line (\d+)\) (.*)")
INSTANCE = (
    "vrrp_instance VI_1 {{\n    state BACKUP\n{interface}    virtual_router_id 51\n"
    "    priority 100\n    virtual_ipaddress {{\n        10.0.0.5\n    }}\n}}\n"
)


@dataclass(frozen=True)
class Row:
    text: str
    statuses: tuple[int, int]  # keepalived's, pyipvs's
    theirs: tuple[int | None, str]  # (line or None when keepalived gives none, message part)
    ours: tuple[int | None, str]


def messages_of_keepalived(output: str) -> list[tuple[int | None, str]]:
    found: list[tuple[int | None, str]] = []
    for raw in output.splitlines():
        text = re.sub(r"^.*?Keepalived(_\w+)?\[\d+\]: ", "", raw)
        match = KEEPALIVED_LINE.search(text)
        found.append((int(match.group(1)), match.group(2)) if match else (None, text))
    return found


def messages_of_pyipvs(output: str, path: Path) -> list[tuple[int | None, str]]:
    prefix = re.compile(re.escape(str(path)) + r":(\d+): (.*)")
    found: list[tuple[int | None, str]] = []
    for raw in output.splitlines():
        match = prefix.match(raw)
        found.append((int(match.group(1)), match.group(2)) if match else (None, raw))
    return found


def run(argv: list[str]) -> tuple[int, str]:
    done = subprocess.run(
        argv, capture_output=True, text=True, timeout=BOUND, check=False, stdin=subprocess.DEVNULL
    )
    return done.returncode if done.returncode >= 0 else 128 - done.returncode, done.stderr


def said(messages: list[tuple[int | None, str]], line: int | None, part: str) -> bool:
    return any(at == line and part in text for at, text in messages)


ROWS = {
    "problem without a line (Unknown interface!)": Row(
        INSTANCE.format(interface=""),
        (5, 5),
        (None, "(VI_1) Unknown interface!"),
        (1, "(VI_1) Unknown interface!"),
    ),
    "track_interface wording": Row(
        INSTANCE.format(interface="    interface eth0\n").replace(
            "    priority 100\n",
            "    priority 100\n    track_interface {\n        lo weight 5 x\n    }\n",
        ),
        (5, 5),
        (7, "unknown track_interace lo weight option x"),
        (7, "unknown track_interface lo weight option x"),
    ),
    "lvs_id": Row(
        "global_defs {\n    lvs_id LVS1\n}\n",
        (5, 5),
        (2, "Unknown keyword 'lvs_id'"),
        (2, "lvs_id is a keepalived 1.x keyword - please use 'router_id'"),
    ),
    "BFD_CHECK": Row(
        "virtual_server 10.0.0.5 80 {\n    protocol TCP\n    real_server 10.0.0.6 80 {\n"
        "        BFD_CHECK {\n            name x\n        }\n    }\n}\n",
        (5, 5),
        (5, "BFD_CHECK - BFD x not configured"),
        (4, "BFD_CHECK is parsed but not supported by pyipvs"),
    ),
    "a keyword given a block": Row(
        "global_defs {\n    router_id {\n        inner\n    }\n}\n",
        (5, 5),
        (3, "Unknown keyword 'inner'"),
        (2, "Unexpected '{' - ignoring"),
    ),
    "unknown root block": Row(
        "nosuch_block {\n    inner 1\n}\n",
        (5, 5),
        (2, "Unknown keyword 'inner'"),
        (1, "Unknown keyword 'nosuch_block'"),
    ),
    "nesting deeper than 64": Row(
        "global_defs {\n" + "a {\n" * 70 + "}\n" * 70 + "}\n",
        (5, 5),
        (66, "Unexpected '{' - ignoring"),
        (65, "block nested deeper than 64 levels - ignoring its contents"),
    ),
    # Aligned (issue #17): the same words at the same line.
    "loopback interface: at the interface line": Row(
        INSTANCE.format(interface="    interface lo\n"),
        (5, 5),
        (3, "(VI_1) cannot use a loopback interface (lo) for vrrp - ignoring"),
        (3, "(VI_1) cannot use a loopback interface (lo) for vrrp - ignoring"),
    ),
}


@pytest.mark.parametrize("name", list(ROWS))
def test_documented_difference(root: None, tmp_path: Path, name: str) -> None:
    row = ROWS[name]
    path = tmp_path / "k.conf"
    path.write_text(row.text)
    theirs = run(["keepalived", "-t", "-l", "-n", "-f", str(path)])
    ours = run([sys.executable, "-m", "pyipvs.cli.keepalived", "-t", "-f", str(path)])
    assert (theirs[0], ours[0]) == row.statuses, (theirs, ours)
    assert said(messages_of_keepalived(theirs[1]), *row.theirs), theirs[1]
    assert said(messages_of_pyipvs(ours[1], path), *row.ours), ours[1]


def test_a_missing_main_file(root: None, tmp_path: Path) -> None:
    """keepalived checks nothing and exits 0; pyipvs says so and exits 4."""
    path = tmp_path / "absent.conf"
    theirs = run(["keepalived", "-t", "-l", "-n", "-f", str(path)])
    ours = run([sys.executable, "-m", "pyipvs.cli.keepalived", "-t", "-f", str(path)])
    assert (theirs[0], ours[0]) == (0, 4)
    assert f"Config files missing '{path}'." in theirs[1]
    assert f"Configuration file '{path}' cannot be read" in ours[1]


def test_an_included_directory_is_skipped_with_keepalived_words(root: None, tmp_path: Path) -> None:
    (tmp_path / "conf.d").mkdir()
    path = tmp_path / "k.conf"
    path.write_text(f"include {tmp_path}/conf.d\ninclude {tmp_path}/conf.d/none-*.conf\n")
    theirs = run(["keepalived", "-t", "-l", "-n", "-f", str(path)])
    ours = run([sys.executable, "-m", "pyipvs.cli.keepalived", "-t", "-f", str(path)])
    message = f"Configuration file '{tmp_path}/conf.d/' is a directory - skipping"
    assert (theirs[0], ours[0]) == (0, 0)
    assert said(messages_of_keepalived(theirs[1]), 1, message), theirs[1]
    assert messages_of_pyipvs(ours[1], path) == [(1, message)]  # a glob matching nothing: silent


def test_a_line_longer_than_the_line_buffer_is_read_in_the_same_pieces(
    root: None, tmp_path: Path
) -> None:
    path = tmp_path / "k.conf"
    path.write_text("global_defs {\n    router_id " + "a" * 3000 + "b" * 3000 + "\n}\n")
    theirs = run(["keepalived", "-t", "-l", "-n", "-f", str(path)])
    ours = run([sys.executable, "-m", "pyipvs.cli.keepalived", "-t", "-f", str(path)])
    assert (theirs[0], ours[0]) == (5, 5)

    def pieces(messages: list[tuple[int | None, str]]) -> list[str]:
        return [text for _, text in messages if text.startswith("Unknown keyword")]

    # The same pieces; keepalived numbers all but the last with the line before (a quirk), pyipvs
    # gives each the line it came from.
    assert pieces(messages_of_pyipvs(ours[1], path)) == pieces(messages_of_keepalived(theirs[1]))
    assert {line for line, _ in messages_of_pyipvs(ours[1], path)} == {2}
    assert len(pieces(messages_of_pyipvs(ours[1], path))) == 5


def test_an_include_loop(root: None, tmp_path: Path) -> None:
    """keepalived opens the file until it runs out of descriptors, then skips it and exits 0;
    pyipvs stops at the loop and says so (exit 5)."""
    path = tmp_path / "k.conf"
    path.write_text(f"include {path}\n")
    theirs = run(["keepalived", "-t", "-l", "-n", "-f", str(path)])
    ours = run([sys.executable, "-m", "pyipvs.cli.keepalived", "-t", "-f", str(path)])
    assert (theirs[0], ours[0]) == (0, 5)
    assert "open problem (Too many open files) - skipping" in theirs[1]
    assert messages_of_pyipvs(ours[1], path) == [
        (1, f"include of '{path}' nests too deeply (a loop?)")
    ]


GLUED = {  # one word to keepalived (not a C blank), so no "extra arguments" warning: exit 0
    "CRLF line endings": "global_defs {\r\n    router_id lb1\r\n}\r\n",
    "a non-breaking space": "global_defs {\n    router_id lb\xa01\n}\n",
    "an ASCII separator control": "global_defs {\n    router_id lb\x1c1\n}\n",
    "a Unicode line separator": "global_defs {\n    router_id lb\u20281\n}\n",
}


@pytest.mark.parametrize("name", list(GLUED))
def test_line_ends_and_blanks_are_keepalived_s(root: None, tmp_path: Path, name: str) -> None:
    path = tmp_path / "k.conf"
    path.write_bytes(GLUED[name].encode())
    theirs = run(["keepalived", "-t", "-l", "-n", "-f", str(path)])
    ours = run([sys.executable, "-m", "pyipvs.cli.keepalived", "-t", "-f", str(path)])
    assert (theirs[0], ours[0]) == (0, 0), (theirs, ours)


def test_a_form_feed_is_a_blank_not_a_line_break(root: None, tmp_path: Path) -> None:
    path = tmp_path / "k.conf"
    path.write_text("global_defs {\n    router_id lb1\fnotify_email {\n    }\n}\n")
    theirs = run(["keepalived", "-t", "-l", "-n", "-f", str(path)])
    ours = run([sys.executable, "-m", "pyipvs.cli.keepalived", "-t", "-f", str(path)])
    assert (theirs[0], ours[0]) == (5, 5)
    assert said(messages_of_keepalived(theirs[1]), 2, "Unexpected '{' - ignoring"), theirs[1]
    assert said(messages_of_pyipvs(ours[1], path), 2, "Unexpected '{' - ignoring"), ours[1]
