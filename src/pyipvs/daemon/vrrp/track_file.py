# SPDX-License-Identifier: Apache-2.0
"""keepalived's ``track_file``: a file holding a number that moves the priority of the
instances tracking it by ``number x weight`` (weight 0: any non-zero number means FAULT;
``number x weight <= -254`` means FAULT too; keepalived ``vrrp_track.c``).

keepalived watches the file with inotify; here it is read every :data:`POLL` seconds (a
documented difference: a change takes effect within that time). A missing or unreadable file,
or one that does not start with an integer, counts as 0, as in keepalived. ``init_file``
creates the file with ``init_value`` if it is missing (or always, with ``overwrite``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from pathlib import Path

from pyipvs.config import TrackFileConfig
from pyipvs.vrrp import events as ev

log = logging.getLogger("pyipvs.daemon")

POLL = 0.5  # seconds between reads of a tracked file
Feed = Callable[[ev.Event], None]


def read_value(path: str) -> int:
    """The file's number: its first word as an integer, 0 when there is none."""
    try:
        words = Path(path).read_text(errors="replace").split()
    except OSError:
        return 0
    if not words:
        return 0
    try:
        return int(words[0])
    except ValueError:
        return 0


class FileTracker:
    """One ``track_file``; :attr:`watchers` are fed a TrackChanged with the value on change."""

    def __init__(self, config: TrackFileConfig, changed: Callable[[FileTracker], None]) -> None:
        self.config = config
        self.watchers: dict[str, Feed] = {}
        self._changed = changed
        self._task: asyncio.Task[None] | None = None
        self._init_file()
        self.value = read_value(config.file) if config.file else 0

    def _init_file(self) -> None:
        c = self.config
        if c.file is None or not c.init_file:
            return
        path = Path(c.file)
        if c.init_overwrite or not path.exists():
            with contextlib.suppress(OSError):
                path.write_text(f"{c.init_value}\n")

    def event(self, key: str) -> ev.TrackChanged:
        return ev.TrackChanged(key, self.value == 0, self.value)

    def start(self) -> None:
        if self._task is None and self.config.file is not None:
            self._task = asyncio.get_running_loop().create_task(self._loop())

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def _loop(self) -> None:
        assert self.config.file is not None
        while True:
            await asyncio.sleep(POLL)
            value = read_value(self.config.file)
            if value != self.value:
                self.value = value
                self._changed(self)
