# SPDX-License-Identifier: Apache-2.0
"""cffi builder for ``pyipvs._native`` (API mode, out of line).

Declarations come from ``src/pyipvs/_cdefs/*.h`` (cffi syntax, one file per C concern, read in
sorted order, as pynacl does); the implementation is every ``csrc/*.c`` file. Nothing but libc
and the kernel's uapi headers is needed.

Environment:
    PYIPVS_SANITIZE=1   build with AddressSanitizer + UndefinedBehaviorSanitizer (tests only;
                        load libasan first, see scripts/sanitize-tests.sh).
"""

from __future__ import annotations

import os
from pathlib import Path

from cffi import FFI

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CSRC = ROOT / "csrc"

WARNINGS = ["-Wall", "-Wextra", "-Werror", "-Wno-unused-parameter", "-std=gnu99"]
SANITIZERS = [
    "-fsanitize=address,undefined",
    "-fno-omit-frame-pointer",
    "-fno-sanitize-recover=all",
]


def _relative(path: Path) -> str:
    # setuptools wants source paths relative to the project root.
    return os.path.relpath(path, Path.cwd())


def _build() -> FFI:
    ffi = FFI()
    for cdef in sorted((HERE / "_cdefs").glob("*.h")):
        ffi.cdef(cdef.read_text(), override=False)
    headers = sorted(p.name for p in CSRC.glob("*.h"))
    sources = [_relative(p) for p in sorted(CSRC.glob("*.c"))]
    cflags = list(WARNINGS)
    ldflags: list[str] = []
    if os.environ.get("PYIPVS_SANITIZE") == "1":
        cflags += [*SANITIZERS, "-O1", "-g"]
        ldflags += ["-fsanitize=address,undefined"]
    else:
        cflags += ["-O2"]
    ffi.set_source(
        "pyipvs._native",
        "".join(f'#include "{h}"\n' for h in headers),
        sources=sources,
        include_dirs=[_relative(CSRC)],
        extra_compile_args=cflags,
        extra_link_args=ldflags,
    )
    return ffi


ffi = _build()

if __name__ == "__main__":
    ffi.compile(verbose=True)
