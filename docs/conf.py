"""Sphinx configuration for pyipvs (built with -W: warnings are errors)."""

from __future__ import annotations

import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS.parent / "src"))
sys.path.insert(0, str(DOCS / "_ext"))

project = "pyipvs"
author = "the pyipvs developers"
copyright = "2026, the pyipvs developers"
release = "0.1.0"

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
    "sphinx.ext.graphviz",
    "benchplots",
    "vrrp_diagram",
]
autodoc_member_order = "bysource"
autodoc_typehints = "description"
nitpicky = False
exclude_patterns = ["_build", "_data"]

# Diagrams are drawn by graphviz's dot during the build, as SVG (sharp at any zoom, text stays
# text).
graphviz_output_format = "svg"
graphviz_dot_args = ["-Gfontname=DejaVu Sans", "-Nfontname=DejaVu Sans", "-Efontname=DejaVu Sans"]

# Benchmark results (JSON, see docs/_ext/benchplots.py) turned into plots by the build.
benchplots_data_dir = "_data/bench"

html_theme = "furo"
html_title = "pyipvs"
html_static_path = ["_static"]
html_css_files = ["pyipvs.css"]
