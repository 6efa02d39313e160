# SPDX-License-Identifier: Apache-2.0
"""The public names are listed once, where they live, and the lists stay in step: every
exception class of ``pyipvs.errors`` is in its ``__all__``; ``pyipvs.ipvs`` exports exactly its
``HOMES`` (also to type checkers); ``pyipvs`` re-exports both and nothing else but its version;
importing ``pyipvs`` loads neither the kernel binding nor the C extension."""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys
from pathlib import Path

import pyipvs
import pyipvs.errors
import pyipvs.ipvs


def test_every_exception_class_is_exported_by_errors() -> None:
    classes = {
        name
        for name, value in vars(pyipvs.errors).items()
        if inspect.isclass(value)
        and issubclass(value, BaseException)
        and value.__module__ == "pyipvs.errors"
    }
    assert set(pyipvs.errors.__all__) == classes


def test_the_ipvs_package_exports_its_homes_to_runtime_and_type_checkers() -> None:
    assert pyipvs.ipvs.__all__ == sorted(pyipvs.ipvs.HOMES)
    tree = ast.parse(Path(pyipvs.ipvs.__file__).read_text())
    checked = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
        for stmt in node.body
        if isinstance(stmt, ast.ImportFrom)
        for alias in stmt.names
    }
    assert checked == set(pyipvs.ipvs.HOMES)
    for name, home in pyipvs.ipvs.HOMES.items():
        assert getattr(pyipvs.ipvs, name).__module__ == home


def test_the_package_reexports_errors_and_ipvs_names_only() -> None:
    expected = {*pyipvs.errors.__all__, *pyipvs.ipvs.__all__, "__version__"}
    assert set(pyipvs.__all__) == expected
    assert len(pyipvs.__all__) == len(expected)
    for name in pyipvs.ipvs.__all__:
        assert getattr(pyipvs, name) is getattr(pyipvs.ipvs, name)


def test_importing_the_package_loads_no_kernel_binding() -> None:
    probe = "import sys, pyipvs; print(sorted(m for m in sys.modules if m.startswith('pyipvs')))"
    loaded = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True
    ).stdout
    assert "pyipvs._native" not in loaded
    assert "pyipvs.ipvs.handle" not in loaded
    assert "'pyipvs.errors'" in loaded
