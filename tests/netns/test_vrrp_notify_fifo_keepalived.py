# SPDX-License-Identifier: Apache-2.0
"""``vrrp_notify_fifo`` next to keepalived 2.2.7: the VRRP child and keepalived, each alone
with the same configuration but for the FIFO's path, write the same lines for startup, the
takeover and the stop."""

from __future__ import annotations

import os
import tempfile
import threading
import time
from pathlib import Path

from test_vrrp_checksum_keepalived import KeepalivedUnicast, Started
from test_vrrp_driver import WAIT, Lan, lan
from test_vrrp_process import Ours, started

__all__ = ["lan", "started"]  # the fixtures, re-used


class FifoReader:
    """Reads a FIFO that a daemon makes: waits for it, then collects its lines until EOF (the
    daemon closed it)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.text = ""
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        deadline = time.monotonic() + WAIT
        while not self.path.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        with self.path.open("rb", buffering=0) as fifo:
            while chunk := fifo.read(4096):
                self.text += chunk.decode()

    def lines(self) -> list[str]:
        self._thread.join(WAIT)
        return self.text.splitlines()


def prologue(fifo: Path) -> str:
    return f"global_defs {{\n    vrrp_notify_fifo {fifo}\n}}\n"


def test_the_same_lines_as_keepalived(lan: Lan, started: Started) -> None:
    where = Path(tempfile.mkdtemp(prefix="pyipvs-vrrp-fifo-"))
    ours_fifo, theirs_fifo = where / "ours.fifo", where / "theirs.fifo"

    mine = Ours(lan, 100, 3, prologue=prologue(ours_fifo))
    started.append(mine)
    ours = FifoReader(ours_fifo)
    mine.wait_for("MASTER")
    assert mine.stop() == 0

    theirs = KeepalivedUnicast(lan, 100, prologue=prologue(theirs_fifo))
    started.append(theirs)
    keepalived = FifoReader(theirs_fifo)
    theirs.wait_for("MASTER")
    theirs.stop()

    assert (
        ours.lines()
        == keepalived.lines()
        == [
            'INSTANCE "VI_1" BACKUP 100',
            'INSTANCE "VI_1" MASTER 100',
            'INSTANCE "VI_1" STOP 100',
        ]
    )
    assert not ours_fifo.exists() and not theirs_fifo.exists()  # both remove what they made
    os.rmdir(where)
