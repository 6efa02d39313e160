"""The config reader on hostile files (issue #17), by class: nesting depth, size, arbitrary
bytes, line endings. The rule: never a traceback or a RecursionError, a diagnostic with
file:line, every other diagnostic kept, keepalived -t's exit status."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from pyipvs.config import read_config
from pyipvs.config.diagnostics import exit_status
from pyipvs.config.tree import MAX_BLOCK_DEPTH

CORPUS = Path(__file__).resolve().parent.parent / "data" / "keepalived"


def nested(depth: int, opener: str = "a {") -> str:
    return (
        "virtual_server 10.0.0.5 80 {\n  lb_algo rr\n  real_server 10.0.0.1 80 {\n"
        + f"{opener}\n" * depth
        + "}\n" * depth
        + "  }\n  bogus_keyword 1\n}\n"
    )


def diagnostics_of(tmp_path: Path, text: str | bytes) -> list[str]:
    conf = tmp_path / "hostile.conf"
    if isinstance(text, str):
        conf.write_text(text)
    else:
        conf.write_bytes(text)
    result = read_config(str(conf))
    assert exit_status(result.diagnostics) in (0, 5)
    return [f"{d.file}:{d.line}: {d.message}" for d in result.diagnostics]


def test_deep_nesting_is_one_diagnostic_with_its_line(tmp_path: Path) -> None:
    seen = diagnostics_of(tmp_path, nested(1000))
    # Line 4 opens the third open block (the root's list counts as one): the first block
    # past the limit is the one opened with MAX_BLOCK_DEPTH + 1 lists open.
    crossing = 4 + MAX_BLOCK_DEPTH + 1 - 3
    assert any(
        s.endswith(
            f":{crossing}: block nested deeper than {MAX_BLOCK_DEPTH} levels - ignoring"
            " its contents"
        )
        for s in seen
    ), seen
    assert any("Unknown keyword 'bogus_keyword'" in s and f":{3 + 2000 + 2}:" in s for s in seen)


def test_the_corpus_deep_file_exits_5_as_keepalived() -> None:
    result = read_config(str(CORPUS / "deep_real_server.conf"))
    assert exit_status(result.diagnostics) == 5


def test_very_deep_nesting_stays_bounded(tmp_path: Path) -> None:
    seen = diagnostics_of(tmp_path, nested(200_000))
    assert sum("nested deeper" in s for s in seen) == 1


@settings(max_examples=40, deadline=None)
@given(depth=st.integers(0, 3000), opener=st.sampled_from(["a {", "{", "real_server 1.2.3.4 80 {"]))
def test_any_depth_any_opener(depth: int, opener: str) -> None:
    with tempfile.TemporaryDirectory() as d:
        seen = diagnostics_of(Path(d), nested(depth, opener))
    assert any("bogus_keyword" in s for s in seen)


HOSTILE_LINE = st.one_of(
    st.binary(max_size=200),
    st.sampled_from(
        [b"{", b"}", b"{{{{", b"}}}}", b"\r\n", b"\r", b"\0", b"include *", b"$X=", b"@"]
    ),
)


@settings(max_examples=150, deadline=None)
@given(lines=st.lists(HOSTILE_LINE, max_size=60), ending=st.sampled_from([b"\n", b"\r\n", b"\r"]))
def test_arbitrary_bytes_and_line_endings(lines: list[bytes], ending: bytes) -> None:
    with tempfile.TemporaryDirectory() as d:
        seen = diagnostics_of(Path(d), ending.join(lines))
    assert all(":" in s for s in seen)
