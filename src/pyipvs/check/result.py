# SPDX-License-Identifier: Apache-2.0
"""What one probe run concluded: the value every checker's pure verdict returns."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ProbeResult:
    """``ok`` is the verdict; ``reason`` says why in a few words (for logs); ``weight`` is set
    only by checkers that change the real server's weight (MISC_CHECK ``misc_dynamic``,
    FILE_CHECK)."""

    ok: bool
    reason: str = ""
    weight: int | None = None


def passed(reason: str = "", weight: int | None = None) -> ProbeResult:
    return ProbeResult(True, reason, weight)


def failed(reason: str) -> ProbeResult:
    return ProbeResult(False, reason)
