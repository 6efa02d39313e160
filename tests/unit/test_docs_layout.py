# SPDX-License-Identifier: Apache-2.0
"""tools/docs_layout_check.py: headless Chromium finds what would scroll sideways."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

import docs_layout_check  # noqa: E402 (after the path it lives on)

PAGE = """<!DOCTYPE html>
<html><head><style>
  body {{ margin: 0; }} article {{ width: 600px; }} pre {{ overflow-x: auto; margin: 0; }}
</style></head>
<body><article>{body}</article></body></html>
"""


def _page(tmp_path: Path, body: str) -> Path:
    page = tmp_path / "page.html"
    page.write_text(PAGE.format(body=body), encoding="utf-8")
    return page


def test_a_page_that_fits_has_no_problems_and_gets_a_screenshot(tmp_path: Path) -> None:
    page = _page(tmp_path, "<pre>IP Virtual Server version 1.2.1 (size=4096)</pre><p>ok</p>")
    shot = tmp_path / "shots" / "page.png"
    report = docs_layout_check.check_page(page, 1280, 800, shot)
    assert report.window_width == 1280
    assert report.problems == []
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(tmp_path.glob(".layout-check-*")), "the probe copy is cleaned up"


def test_a_listing_that_scrolls_a_wrapped_one_and_a_wide_table_are_reported(
    tmp_path: Path,
) -> None:
    long_line = "  -> 192.168.0.12:80 " + "x" * 150
    body = (
        f"<pre>{long_line}</pre>"
        f'<pre style="white-space: pre-wrap">{long_line.replace("x", "y ")}</pre>'
        '<table style="width: 900px"><tr><td>wide</td></tr></table>'
    )
    report = docs_layout_check.check_page(_page(tmp_path, body), 1280, 800)
    problems = "\n".join(report.problems)
    assert "pre scrolls" in problems
    assert problems.count("pre is wider than its box") == 2  # the scrolling and the wrapped one
    assert "table sticks out by 29" in problems  # 900px in 600px, less the 1px tolerance


def test_a_page_wider_than_the_window_is_reported(tmp_path: Path) -> None:
    page = _page(tmp_path, '<div style="width: 1500px">wide</div>')
    report = docs_layout_check.check_page(page, 1280, 800)
    assert "page: 1500px wide in a 1280px window" in report.problems


def test_main_exits_1_on_a_problem_and_0_when_all_fit(tmp_path: Path) -> None:
    wide = _page(tmp_path, "<pre>{}</pre>".format("z" * 300))
    assert docs_layout_check.main([str(wide), "--height", "600"]) == 1
    fits = _page(tmp_path, "<p>fits</p>")
    assert docs_layout_check.main([str(fits), "--height", "600"]) == 0
