# SPDX-License-Identifier: Apache-2.0
"""One cffi declaration file per C unit, under the same stem (``csrc/X.c`` -> ``csrc/X.h`` ->
``_cdefs/X.h``), and each declares only what its own C header declares: a function, struct,
enum or constant is looked up in the file named after its unit."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CSRC = ROOT / "csrc"
CDEFS = ROOT / "src" / "pyipvs" / "_cdefs"
DECLARED = re.compile(
    r"\b(pyipvs_\w+)\s*\("  # functions
    r"|\b(?:struct|enum)\s+(pyipvs_\w+)\s*\{"  # struct and enum bodies
    r"|#define\s+(PYIPVS_\w+)"  # constants
)


def declared(path: Path) -> set[str]:
    text = re.sub(r"/\*.*?\*/", "", path.read_text(), flags=re.S)
    return {next(g for g in m.groups() if g) for m in DECLARED.finditer(text)}


def test_every_c_unit_has_its_declaration_file_and_no_other() -> None:
    units = {p.stem for p in CSRC.glob("*.c")}
    assert {p.stem for p in CSRC.glob("*.h")} == units
    assert {p.stem for p in CDEFS.glob("*.h")} == units


@pytest.mark.parametrize("stem", sorted(p.stem for p in CDEFS.glob("*.h")))
def test_a_declaration_file_declares_only_its_units_names(stem: str) -> None:
    names = declared(CDEFS / f"{stem}.h")
    assert names, f"_cdefs/{stem}.h declares nothing"
    assert names <= declared(CSRC / f"{stem}.h")
