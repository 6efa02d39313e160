# SPDX-License-Identifier: Apache-2.0
"""Build a tiny Sphinx project with the docs' own extensions (for the docs extension tests)."""

from __future__ import annotations

import importlib
import io
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.util.docutils import docutils_namespace

ROOT = Path(__file__).resolve().parents[2]
EXT_DIR = ROOT / "docs" / "_ext"
if str(EXT_DIR) not in sys.path:
    sys.path.insert(0, str(EXT_DIR))


def ext(name: str) -> Any:
    """One of docs/_ext's extension modules (imported from there, after the path is set)."""
    return importlib.import_module(name)


@dataclass(frozen=True)
class Built:
    status: int
    warnings: str
    outdir: Path

    def page(self, name: str = "index") -> str:
        return (self.outdir / f"{name}.html").read_text(encoding="utf-8")


def build(tmp: Path, index_rst: str, conf: str = "", extensions: tuple[str, ...] = ()) -> Built:
    """Write conf.py and index.rst under ``tmp/src``, build HTML with -W, return the outcome."""
    src, out = tmp / "src", tmp / "out"
    src.mkdir(parents=True, exist_ok=True)
    (src / "conf.py").write_text(f"extensions = {list(extensions)!r}\n{conf}\n")
    (src / "index.rst").write_text(index_rst)
    warnings = io.StringIO()
    # docutils keeps directives and nodes in process-wide registries: give each build its own.
    with docutils_namespace():
        try:
            app = Sphinx(
                str(src),
                str(src),
                str(out),
                str(tmp / "doctrees"),
                "html",
                status=None,
                warning=warnings,
                warningiserror=True,
                freshenv=True,
            )
            app.build()
        except Exception as exc:  # an extension's error, or -W's first warning on older Sphinx
            return Built(1, f"{warnings.getvalue()}{type(exc).__name__}: {exc}", out)
    return Built(app.statuscode, warnings.getvalue(), out)
