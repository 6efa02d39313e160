# SPDX-License-Identifier: Apache-2.0
"""The VRRP child's state file, so that a respawned child does not flap.

keepalived's respawned VRRP child starts every instance in BACKUP: the backup router's down
timer, already running since the master died, expires first, it takes the addresses, then the
respawned higher-priority router preempts and takes them back: two moves for every client.
Here the child records each instance's state in ``/run/pyipvs-keepalived/vrrp-<key>.json``
and touches the file while an instance is master; a successor that finds its instance was
MASTER, the file touched less than that instance's Master_Down_Interval ago (so no backup can
have taken over yet) and all its virtual addresses still on the interface, starts as MASTER at
once with an advert (:class:`~pyipvs.vrrp.Startup` ``resume_master``). A clean stop (priority
0 sent) removes the file.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import time
from pathlib import Path
from typing import Any

from pyipvs.daemon.vrrp.build import InstancePlan

log = logging.getLogger("pyipvs.daemon")

STATE_DIR = Path("/run/pyipvs-keepalived")


def state_path(use_file: str, namespace: str | None, config_id: str | None) -> Path:
    """One file per daemon: its configuration file, network namespace and config id."""
    key = f"{os.path.abspath(use_file)}\0{namespace or ''}\0{config_id or ''}"
    return STATE_DIR / f"vrrp-{hashlib.sha256(key.encode()).hexdigest()[:16]}.json"


def identity(plan: InstancePlan) -> dict[str, Any]:
    """What must not have changed for a recorded state to apply to an instance."""
    c = plan.config
    return {"vrid": c.vrid, "interface": plan.interface, "family": c.family}


class StateFile:
    """Each instance's last state, for a successor; errors are logged once, never raised."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._states: dict[str, dict[str, Any]] = {}
        self._broken = False

    def load(self) -> tuple[dict[str, dict[str, Any]], float | None]:
        """The predecessor's records by instance name, and how many seconds ago the file was
        last written or touched (None when there is no usable file)."""
        try:
            age = time.time() - self.path.stat().st_mtime
            data = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {}, None
        if not isinstance(data, dict):
            return {}, None
        return {k: v for k, v in data.items() if isinstance(v, dict)}, age

    def resumable(
        self,
        plan: InstancePlan,
        previous: dict[str, Any] | None,
        age: float | None,
        master_down_interval: float,
    ) -> bool:
        """Whether the predecessor's record lets *plan*'s instance resume as master (the
        addresses are checked by the caller)."""
        if previous is None or age is None or previous.get("state") != "MASTER":
            return False
        same = {k: previous.get(k) for k in ("vrid", "interface", "family")} == identity(plan)
        return same and age < master_down_interval

    def record(self, plan: InstancePlan, state: str) -> None:
        self._states[plan.name] = {"state": state, **identity(plan)}
        self._write()

    def forget(self, name: str) -> None:
        if self._states.pop(name, None) is not None:
            self._write()

    def touch(self) -> None:
        with contextlib.suppress(OSError):
            os.utime(self.path)

    def remove(self) -> None:
        self._states.clear()
        with contextlib.suppress(OSError):
            self.path.unlink()

    def _write(self) -> None:
        if self._broken:
            return
        temporary = self.path.with_suffix(".tmp")
        try:
            self.path.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
            temporary.write_text(json.dumps(self._states, sort_keys=True))
            os.replace(temporary, self.path)
        except OSError as exc:
            self._broken = True
            log.warning("cannot write the VRRP state file %s: %s (no resume)", self.path, exc)
