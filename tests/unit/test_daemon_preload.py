# SPDX-License-Identifier: Apache-2.0
"""What each child of ``pyipvs-keepalived`` has imported when it starts: the parent's modules
plus its own preload list (``child.prepare_fork``). Each case runs in a fresh interpreter, so
what the test process has imported does not count."""

from __future__ import annotations

import gc
import json
import subprocess
import sys

import pytest

from pyipvs.daemon.child import ChildSpec, prepare_fork
from pyipvs.daemon.main import CHECKER_PRELOAD, METRICS_PRELOAD, VRRP_PRELOAD

CHECKER_MODULES = ("pyipvs.check", "pyipvs.daemon.check", "dns")


def modules_after(preload: tuple[str, ...]) -> set[str]:
    """The modules of a fresh interpreter that imported the CLI, the daemon and *preload*."""
    code = (
        "import importlib, json, sys\n"
        "import pyipvs.cli.keepalived, pyipvs.daemon.main\n"
        f"for name in {list(preload)!r}: importlib.import_module(name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    return set(json.loads(done.stdout))


def under(modules: set[str], package: str) -> list[str]:
    return sorted(m for m in modules if m == package or m.startswith(package + "."))


def test_the_vrrp_child_starts_without_the_checker_modules() -> None:
    modules = modules_after(VRRP_PRELOAD)
    assert "pyipvs.daemon.vrrp.process" in modules
    assert [m for p in CHECKER_MODULES for m in under(modules, p)] == []


def test_the_parent_alone_has_neither_childs_own_modules() -> None:
    modules = modules_after(())
    assert under(modules, "pyipvs.daemon.vrrp.process") == []
    assert [m for p in CHECKER_MODULES for m in under(modules, p)] == []
    assert under(modules, "pyroute2") == []


@pytest.mark.parametrize("preload", [VRRP_PRELOAD, CHECKER_PRELOAD, METRICS_PRELOAD])
def test_every_preloaded_module_exists(preload: tuple[str, ...]) -> None:
    """A renamed module would silently stop being shared: each name must import."""
    assert set(preload) <= modules_after(preload)


def test_a_module_that_cannot_be_imported_is_left_to_the_child(
    caplog: pytest.LogCaptureFixture,
) -> None:
    spec = ChildSpec("Test", lambda args: 0, preload=("pyipvs.no_such_module", "json"))
    try:
        with caplog.at_level("DEBUG", logger="pyipvs.daemon"):
            prepare_fork(spec)
    finally:
        gc.unfreeze()  # this test process is no daemon's parent
    assert "pyipvs.no_such_module not preloaded" in caplog.text


def test_the_objects_made_before_the_fork_are_frozen() -> None:
    """Frozen, the parent's objects are never visited by a child's collections (which would
    write to them and so copy their pages into the child)."""
    gc.unfreeze()
    try:
        prepare_fork(ChildSpec("Test", lambda args: 0))
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
