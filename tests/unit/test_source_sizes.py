# SPDX-License-Identifier: Apache-2.0
"""House rules that stay true by being tested: small files and functions, an SPDX line on top.

No file in src/ over 600 lines, no function (or method) over 60 lines, counted from its
``def`` (decorators included) to its last line; every source file starts with the license
line that matches pyproject.toml.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "pyipvs"
MAX_FILE_LINES = 600
MAX_FUNCTION_LINES = 60


def _python_files() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def _c_files() -> list[Path]:
    return sorted([*(ROOT / "csrc").glob("*.[ch]"), *(SRC / "_cdefs").glob("*.h")])


def test_no_file_over_600_lines() -> None:
    long = {}
    for path in [*_python_files(), *_c_files()]:
        lines = len(path.read_text().splitlines())
        if lines > MAX_FILE_LINES:
            long[str(path.relative_to(ROOT))] = lines
    assert long == {}


def test_no_function_over_60_lines() -> None:
    long = {}
    for path in _python_files():
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                length = (node.end_lineno or node.lineno) - start + 1
                if length > MAX_FUNCTION_LINES:
                    long[f"{path.relative_to(ROOT)}:{node.lineno} {node.name}"] = length
    assert long == {}


def test_every_source_file_starts_with_its_license() -> None:
    missing = []
    for path in _python_files():
        text = path.read_text()
        if text and not text.startswith("# SPDX-License-Identifier: Apache-2.0\n"):
            missing.append(str(path.relative_to(ROOT)))
    for path in _c_files():
        if not path.read_text().startswith("/* SPDX-License-Identifier: Apache-2.0 */\n"):
            missing.append(str(path.relative_to(ROOT)))
    assert missing == []
