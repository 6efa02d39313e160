"""Every corpus file parses without raising and gives the exit status written in its header."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pyipvs.config import read_config

CORPUS = Path(__file__).resolve().parent.parent / "data" / "keepalived"
FILES = sorted(CORPUS.glob("*.conf"))
# These depend on the host (interfaces checked only by -t; the netns tier covers them).
HOST_DEPENDENT = {
    "warn_missing_interface.conf",
    "warn_script_default_user.conf",
    "warn_track_interface_missing.conf",
}


def expected_status(path: Path) -> int:
    match = re.match(r"# expect: (\d+)", path.read_text())
    assert match, f"{path.name} has no '# expect: N' header"
    return int(match.group(1))


def test_corpus_is_not_empty() -> None:
    assert len(FILES) > 60


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_corpus_exit_status(path: Path) -> None:
    if path.name in HOST_DEPENDENT:
        pytest.xfail("host dependent; checked in tests/netns")
    result = read_config(str(path), config_id="pyipvs-test")
    assert result.exit_status == expected_status(path), [str(d) for d in result.diagnostics]
    for diagnostic in result.diagnostics:
        assert str(diagnostic).startswith(f"{diagnostic.file}:{diagnostic.line}: ")
