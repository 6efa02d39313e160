# SPDX-License-Identifier: Apache-2.0
"""FILE_CHECK: follow the integer in a tracked file (see
:func:`pyipvs.check.verdicts.file_verdict`). Reading a small file never blocks for long, so it
is done inline."""

from __future__ import annotations

from dataclasses import dataclass

from pyipvs.check.result import ProbeResult
from pyipvs.check.verdicts import file_verdict

_MAX_READ = 256


@dataclass(frozen=True)
class FileProbe:
    path: str
    weight: int = 1
    reverse: bool = False
    base_weight: int | None = None
    kind = "FILE_CHECK"

    async def run(self) -> ProbeResult:
        try:
            with open(self.path, encoding="ascii", errors="replace") as handle:
                content: str | None = handle.read(_MAX_READ)
        except OSError:
            content = None
        return file_verdict(
            content, weight=self.weight, reverse=self.reverse, base_weight=self.base_weight
        )
