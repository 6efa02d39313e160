# SPDX-License-Identifier: Apache-2.0
"""pyipvsadm's standard streams as ipvsadm's stdio sees them.

ipvsadm writes with stdio and never checks: a closed stdout or stderr, or one on a full device,
loses the text and the exit status stays the command's. A closed stdin reads as an empty file.
"""

from __future__ import annotations

import io
import sys

TYPE_CHECKING = False  # typing is not imported at run time: start-up cost
if TYPE_CHECKING:
    from typing import TextIO


class QuietStream(io.TextIOBase):
    """Writes to ``target`` (if any); a failing write or flush loses the text, as stdio does."""

    def __init__(self, target: TextIO | None) -> None:
        super().__init__()
        self._target = target

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if self._target is not None:
            try:
                self._target.write(text)
            except (OSError, ValueError):  # ValueError: the stream was closed under us
                self._target = None
        return len(text)

    def flush(self) -> None:
        if self._target is not None:
            try:
                self._target.flush()
            except (OSError, ValueError):
                self._target = None


def standard_streams() -> tuple[TextIO, TextIO, TextIO]:
    """(stdin, stdout, stderr) for one run: closed descriptors are empty / discarding."""
    stdin: TextIO = sys.stdin if sys.stdin is not None else io.StringIO()
    out = QuietStream(sys.stdout)
    err = QuietStream(sys.stderr)
    return stdin, out, err  # type: ignore[return-value]
