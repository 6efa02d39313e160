# SPDX-License-Identifier: Apache-2.0
"""The terminal view: one frame of text from what the lab knows, redrawn in place (``live``),
or printed once per phase with events as lines as they happen (``plain``, for logs)."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TextIO

from pyipvs.lab.observe import Event, Sample, Table

COLUMN = 46
BAR = 30
EVENTS_SHOWN = 12


@dataclass
class Progress:
    """What the scenario has done so far, read by the view."""

    title: str
    phase: str = "starting"
    doing: str = ""
    results: list[str] = field(default_factory=list)
    split: dict[str, int] = field(default_factory=dict)
    expected: dict[str, float] = field(default_factory=dict)


def _table_lines(lb: str, tables: tuple[Table, ...], alive: bool) -> list[str]:
    lines = [f"IPVS on {lb}" + ("" if alive else " (dead)")]
    if not tables:
        lines.append("  (no virtual service)")
    for table in tables:
        lines += [table.service, "     real server      fwd   weight  act inact"]
        lines += [
            f"  -> {r.address:<16} {r.forward:<5} {r.weight:>6} {r.active:>4} {r.inactive:>5}"
            for r in table.rows
        ]
    return lines


def _roles(sample: Sample) -> str:
    parts = []
    for lb, vips in sample.vips.items():
        role = "MASTER" if vips else "BACKUP" if sample.running.get(lb, True) else "DOWN"
        if not sample.alive[lb]:
            role = "DEAD"
        parts.append(f"{lb} {role:<6} {' '.join(vips) or '-':<22}")
    return "VRRP VI_1 (vrid 51)  " + "  ".join(parts)


def _split_lines(progress: Progress) -> list[str]:
    total = sum(progress.split.values())
    if not total:
        return []
    lines = [f"traffic split: {total} requests from {total} clients through http://10.0.0.5/"]
    for server, count in sorted(progress.split.items()):
        filled = round(BAR * count / total)
        expected = progress.expected.get(server)
        wanted = f"   weights ask for {expected:.0%}" if expected is not None else ""
        lines.append(
            f"  {server:<6} {'#' * filled}{'.' * (BAR - filled)} {count:>3} {count / total:>4.0%}"
            f"{wanted}"
        )
    return lines


def frame(progress: Progress, sample: Sample | None, events: list[Event], now: float) -> str:
    lines = [f"{progress.title}   +{now:.1f} s", f"phase: {progress.phase}  {progress.doing}", ""]
    if sample is not None:
        lines += [_roles(sample), ""]
        left, right = (
            _table_lines(lb, sample.tables[lb], sample.alive[lb]) for lb in sample.tables
        )
        for i in range(max(len(left), len(right))):
            a = left[i] if i < len(left) else ""
            b = right[i] if i < len(right) else ""
            lines.append(f"{a:<{COLUMN}}{b}".rstrip())
        lines.append("")
    split = _split_lines(progress)
    lines += [*split, ""] if split else []
    if progress.results:
        lines += ["results", *(f"  {r}" for r in progress.results), ""]
    lines.append("events")
    lines += [f"  +{e.at:6.1f} s  {e.text}" for e in events[-EVENTS_SHOWN:]]
    return "\n".join(lines) + "\n"


class Screen:
    """Redraws ``render()`` twice a second (``live``), or prints each new event as a line."""

    def __init__(
        self, render: Callable[[], tuple[str, list[Event]]], live: bool, out: TextIO = sys.stdout
    ) -> None:
        self._render, self.live, self._out = render, live, out
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._printed = 0
        self._thread = threading.Thread(target=self._run, name="lab-screen", daemon=True)

    def start(self) -> None:
        if self.live:
            self._out.write("\x1b[H\x1b[2J")  # a clear screen once; then each frame over the last
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            self.refresh()

    def refresh(self) -> None:
        with self._lock:
            self._refresh()

    def _refresh(self) -> None:
        text, events = self._render()
        if self.live:
            # Home, each line over the old one (erasing its rest), then erase below: no flicker.
            self._out.write("\x1b[H" + text.replace("\n", "\x1b[K\n") + "\x1b[J")
        else:
            for event in events[self._printed :]:
                self._out.write(f"+{event.at:6.1f} s  {event.text}\n")
            self._printed = len(events)
        self._out.flush()

    def show(self) -> None:
        """The whole frame now (in plain mode, at the end of a phase)."""
        self.refresh()
        if not self.live:
            text, _ = self._render()
            self._out.write("\n" + text + "\n")
            self._out.flush()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2)


__all__ = ["Progress", "Screen", "frame"]
