"""Every corpus file parses without raising and gives the exit status written in its header."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pyipvs.config import read_config

CORPUS = Path(__file__).resolve().parent.parent / "data" / "keepalived"
# Their status depends on the host (its interfaces, its users), so they are left out here:
# tests/netns/test_keepalived_differential.py runs them in a namespace with known interfaces,
# against the real keepalived.
HOST_DEPENDENT = {
    "warn_missing_interface.conf",
    "warn_script_default_user.conf",
    "warn_track_interface_missing.conf",
}
ALL_FILES = sorted(CORPUS.glob("*.conf"))
FILES = [path for path in ALL_FILES if path.name not in HOST_DEPENDENT]


def expected_status(path: Path) -> int:
    match = re.match(r"# expect: (\d+)", path.read_text())
    assert match, f"{path.name} has no '# expect: N' header"
    return int(match.group(1))


def test_corpus_is_not_empty() -> None:
    assert len(FILES) > 60


def test_host_dependent_files_exist() -> None:
    """The exclusion list names real files (a rename would otherwise drop them silently)."""
    assert HOST_DEPENDENT.issubset(path.name for path in ALL_FILES)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_corpus_exit_status(path: Path) -> None:
    result = read_config(str(path), config_id="pyipvs-test")
    assert result.exit_status == expected_status(path), [str(d) for d in result.diagnostics]
    for diagnostic in result.diagnostics:
        assert str(diagnostic).startswith(f"{diagnostic.file}:{diagnostic.line}: ")
