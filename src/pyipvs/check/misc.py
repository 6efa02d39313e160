# SPDX-License-Identifier: Apache-2.0
"""MISC_CHECK: run ``misc_path`` and judge its exit status (see
:func:`pyipvs.check.verdicts.misc_verdict`). The only checker that forks.

The command is split into words and executed directly; ``/bin/sh -c`` is used only when it
needs a shell (pipes, redirections, variables, globs...). It runs as ``user``/``group`` when
given; after ``misc_timeout`` it gets SIGTERM, then SIGKILL a moment later, and counts as down.
"""

from __future__ import annotations

import asyncio
import contextlib
import shlex
from collections.abc import Callable
from dataclasses import dataclass

from pyipvs.check.result import ProbeResult, failed
from pyipvs.check.verdicts import misc_verdict

_SHELL_CHARACTERS = frozenset("|&;<>()$`\\\"'*?[]#~=%{}\n")
_KILL_GRACE = 0.5
#: Run in each MISC_CHECK process before its command (``preexec_fn``): the daemon's checker
#: child sets it to undo its own process settings (pyipvs.daemon.tuning.script_setup).
child_setup: Callable[[], None] | None = None


def needs_shell(command: str) -> bool:
    return any(ch in _SHELL_CHARACTERS for ch in command)


def argv_for(command: str) -> list[str]:
    return ["/bin/sh", "-c", command] if needs_shell(command) else shlex.split(command)


@dataclass(frozen=True)
class MiscProbe:
    command: str
    timeout: float = 5.0
    dynamic: bool = False
    user: str | None = None
    group: str | None = None
    kind = "MISC_CHECK"

    async def run(self) -> ProbeResult:
        argv = argv_for(self.command)
        if not argv:
            return failed("empty misc_path")
        try:
            process = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL,
                user=self.user,
                group=self.group,
                start_new_session=True,
                preexec_fn=child_setup,
            )
        except (OSError, KeyError, ValueError) as exc:  # KeyError: an unknown user or group
            return failed(f"cannot run {argv[0]}: {exc}")
        try:
            status = await asyncio.wait_for(process.wait(), self.timeout)
        except TimeoutError:
            await _stop(process)
            return misc_verdict(None, dynamic=self.dynamic, timed_out=True)
        return misc_verdict(status, dynamic=self.dynamic, timed_out=False)


async def _stop(process: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError):
        process.terminate()
    try:
        await asyncio.wait_for(process.wait(), _KILL_GRACE)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
