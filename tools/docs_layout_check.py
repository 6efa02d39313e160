# SPDX-License-Identifier: Apache-2.0
"""Open built HTML pages in headless Chromium and report anything that scrolls sideways.

    python tools/docs_layout_check.py [--width 1280] [--height 1600] [--screenshots DIR] PAGE...

For each page a copy with a small measuring script is written next to it (so its relative links
still resolve), Chromium loads it at the given window size and dumps the DOM, and the script's
report is read back. A page fails when the document is wider than the window, when any listing,
table or figure is wider than its box (it would scroll), or when a listing fits only by
wrapping its lines. Exit status: 0 all pages fit, 1 something overflows, 2 a usage or Chromium
problem.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
)
REPORT_ID = "pyipvs-layout-report"
TIMEOUT_S = 120

# Runs after load (fonts, images, SVGs laid out). Every overflow becomes one line of the report.
MEASURE_JS = r"""
window.addEventListener("load", () => setTimeout(() => {
  const problems = [];
  const doc = document.documentElement;
  const name = (el) => el.tagName.toLowerCase() + (el.className ? "." +
      String(el.className).trim().split(/\s+/).join(".") : "");
  const text = (el) => (el.textContent || "").trim().slice(0, 60).replace(/\s+/g, " ");
  if (doc.scrollWidth > window.innerWidth)
    problems.push(`page: ${doc.scrollWidth}px wide in a ${window.innerWidth}px window`);
  const content = document.querySelector("article") || document.body;
  const limit = content.getBoundingClientRect().right + 1;
  for (const el of content.querySelectorAll("pre, table, .table-wrapper, img, svg, object")) {
    const box = el.getBoundingClientRect();
    if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== "visible")
      problems.push(`${name(el)} scrolls: ${el.scrollWidth}px in ${el.clientWidth}px: ${text(el)}`);
    else if (box.right > limit)
      problems.push(`${name(el)} sticks out by ${Math.round(box.right - limit)}px: ${text(el)}`);
  }
  // A listing that fits only because its lines wrap is as bad as one that scrolls.
  for (const pre of content.querySelectorAll("pre")) {
    const saved = pre.style.whiteSpace;
    pre.style.whiteSpace = "pre";
    const width = pre.scrollWidth;
    pre.style.whiteSpace = saved;
    if (width > pre.clientWidth + 1)
      problems.push(`pre is wider than its box (${width}px in ${pre.clientWidth}px): ${text(pre)}`);
  }
  const report = document.createElement("pre");
  report.id = "REPORT_ID";
  report.textContent = JSON.stringify({width: window.innerWidth, problems});
  document.body.appendChild(report);
}, 300));
""".replace("REPORT_ID", REPORT_ID)


@dataclass(frozen=True)
class PageReport:
    page: Path
    window_width: int
    problems: list[str]


def find_chromium() -> str:
    for candidate in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(candidate)
        if path:
            return path
    raise FileNotFoundError("no chromium on PATH (Debian: apt-get install chromium)")


# Variables that must not reach the browser: the sanitizer stage preloads the ASan runtime into
# every process it starts, and Chromium started under it hangs instead of rendering.
_NOT_FOR_CHROMIUM = ("LD_PRELOAD", "ASAN_OPTIONS", "UBSAN_OPTIONS", "PYTHONPATH")


def _run_chromium(args: list[str], profile: str) -> str:
    command = [find_chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args]
    env = {k: v for k, v in os.environ.items() if k not in _NOT_FOR_CHROMIUM}
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=TIMEOUT_S, check=False, env=env
    )
    if done.returncode != 0:
        raise RuntimeError(f"chromium exited {done.returncode}: {done.stderr.strip()[-500:]}")
    return done.stdout


def _report_from_dom(dom: str, page: Path) -> tuple[int, list[str]]:
    marker = f'<pre id="{REPORT_ID}">'
    start = dom.rfind(marker)
    if start < 0:
        raise RuntimeError(f"{page}: the measuring script did not run (no report in the DOM)")
    end = dom.index("</pre>", start)
    raw = dom[start + len(marker) : end]
    for entity, char in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&amp;", "&")):
        raw = raw.replace(entity, char)
    data = json.loads(raw)
    return int(data["width"]), [str(p) for p in data["problems"]]


def check_page(page: Path, width: int, height: int, screenshot: Path | None = None) -> PageReport:
    """Measure one page; optionally also save a screenshot of it (the unmodified page)."""
    page = page.resolve()
    html = page.read_text(encoding="utf-8")
    probe = page.with_name(f".layout-check-{os.getpid()}-{page.name}")
    probe.write_text(html.replace("</body>", f"<script>{MEASURE_JS}</script></body>", 1))
    size = f"--window-size={width},{height}"
    try:
        with tempfile.TemporaryDirectory(prefix="pyipvs-chromium-") as profile:
            dom = _run_chromium(
                [size, "--virtual-time-budget=5000", "--dump-dom", probe.as_uri()], profile
            )
            if screenshot is not None:
                screenshot.parent.mkdir(parents=True, exist_ok=True)
                shot = f"--screenshot={screenshot.resolve()}"
                _run_chromium([size, "--virtual-time-budget=5000", shot, page.as_uri()], profile)
    finally:
        probe.unlink(missing_ok=True)
    window_width, problems = _report_from_dom(dom, page)
    return PageReport(page, window_width, problems)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="+", type=Path, help="built HTML pages")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=1600)
    parser.add_argument("--screenshots", type=Path, help="save a PNG of each page here")
    args = parser.parse_args(argv)
    failed = False
    for page in args.pages:
        shot = None
        if args.screenshots is not None:
            shot = args.screenshots / ("-".join(page.with_suffix("").parts[-2:]) + ".png")
        try:
            report = check_page(page, args.width, args.height, shot)
        except (OSError, RuntimeError, ValueError, subprocess.TimeoutExpired) as exc:
            print(f"docs-layout: {page}: {exc}", file=sys.stderr)
            return 2
        status = "ok" if not report.problems else f"{len(report.problems)} problem(s)"
        print(f"{page}: {status} at {report.window_width}px")
        for problem in report.problems:
            print(f"  {problem}")
        failed = failed or bool(report.problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
