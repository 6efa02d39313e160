# SPDX-License-Identifier: Apache-2.0
"""Track weights out of range, as keepalived 2.2.7 ``-t`` reports them (issue #17: the line
and the words, not only the status): each weight is read as a number in [-254, 254], then the
refusal is said in the words of its kind, and an interface or script weight of +/-254 becomes
+/-253. Both tools' messages about the weight are compared, line for line."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

BOUND = 60
INSTANCE = (
    "vrrp_instance VI_1 {{\n    state BACKUP\n    interface eth0\n    virtual_router_id 51\n"
    "    priority 100\n    {track} {{\n        {entry} weight {weight}\n    }}\n"
    "    virtual_ipaddress {{\n        10.0.0.5\n    }}\n}}\n"
)
DECLARED = {
    "track_script": 'vrrp_script chk {\n    script "/bin/true"\n}\n',
    "track_file": "vrrp_track_file tf {\n    file {file}\n}\n",
    "track_interface": "",
}
ENTRY = {"track_script": "chk", "track_file": "tf", "track_interface": "lo"}
ABOUT_WEIGHTS = re.compile(r"weight|range|number", re.I)


def weight_messages(output: str, tool: str) -> set[tuple[int, str]]:
    pattern = r"\(\S+: Line (\d+)\) (.*)" if tool == "keepalived" else r"\S+:(\d+): (.*)"
    found = set()
    for line in output.splitlines():
        match = re.search(pattern, line)
        if match and ABOUT_WEIGHTS.search(match.group(2)):
            found.add((int(match.group(1)), match.group(2)))
    return found


def both(path: Path) -> tuple[tuple[int, set[tuple[int, str]]], tuple[int, set[tuple[int, str]]]]:
    results = []
    for tool, argv in (
        ("keepalived", ["keepalived", "-t", "-l", "-n", "-f", str(path)]),
        ("pyipvs", [sys.executable, "-m", "pyipvs.cli.keepalived", "-t", "-f", str(path)]),
    ):
        done = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            timeout=BOUND,
            check=False,
            stdin=subprocess.DEVNULL,
        )
        results.append((done.returncode, weight_messages(done.stderr + done.stdout, tool)))
    return results[0], results[1]


@pytest.mark.parametrize("weight", ["300", "254", "-254", "foo", "-20"])
@pytest.mark.parametrize("track", list(DECLARED))
def test_track_weights_are_refused_in_keepalived_s_words(
    root: None, tmp_path: Path, track: str, weight: str
) -> None:
    (tmp_path / "tf").write_text("0\n")
    path = tmp_path / "k.conf"
    declared = DECLARED[track].replace("{file}", str(tmp_path / "tf"))
    path.write_text(declared + INSTANCE.format(track=track, entry=ENTRY[track], weight=weight))
    theirs, ours = both(path)
    assert ours[1] == theirs[1]
    assert (ours[0] == 0) == (theirs[0] == 0)  # eth0's existence is the host's: same verdict


@pytest.mark.parametrize(
    "block",
    [
        'vrrp_script chk {\n    script "/bin/true"\n    weight 300\n}\n',
        "vrrp_script chk {\n    script /bin/true\n    weight foo\n}\n",
        "vrrp_track_file tf {\n    file /dev/null\n    weight 300\n}\n",
    ],
)
def test_block_weights_are_refused_in_keepalived_s_words(
    root: None, tmp_path: Path, block: str
) -> None:
    path = tmp_path / "k.conf"
    path.write_text(block)
    theirs, ours = both(path)
    assert ours[1] == theirs[1] != set()
    assert 0 not in (ours[0], theirs[0])  # 5, or 6 where the host lacks the script user
