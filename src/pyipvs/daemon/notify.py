# SPDX-License-Identifier: Apache-2.0
"""keepalived's VRRP notify scripts: ``notify_master``, ``notify_backup``, ``notify_fault``,
``notify_stop`` (run as written) and ``notify`` (run with ``INSTANCE|GROUP``, the name, the new
state and, for an instance, its priority appended, as keepalived 2.2.7 does), for instances and
``vrrp_sync_group`` s.

A script is started without a shell (its words split as a shell would) unless it uses shell
syntax (a pipe, a redirection, a variable, ...), then with ``/bin/sh -c``. Starting and waiting
never block the loop; a script still running after the timeout is killed; a script that cannot
start, fails or is killed is logged. A group's scripts run when all its members are in the new
state.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shlex
from collections.abc import Sequence

from pyipvs.config import KeepalivedConfig, Script

log = logging.getLogger("pyipvs.daemon")

#: Seconds a notify script may run before it is killed (keepalived waits for ever: a hung
#: script piles up a process per transition).
NOTIFY_TIMEOUT = 30.0
_SHELL_SYNTAX = set("|&;<>()$`*?[]~\n")
_STATE_WORDS = {"MASTER": "MASTER", "BACKUP": "BACKUP", "FAULT": "FAULT", "INIT": "STOP"}


def command_argv(command: str, extra: Sequence[str] = ()) -> list[str]:
    """The argv that runs *command* with *extra* arguments: the command's own words when it
    needs no shell, else ``/bin/sh -c`` with the extra arguments as ``"$@"``."""
    if _SHELL_SYNTAX & set(command):
        script = f'{command} "$@"' if extra else command
        return ["/bin/sh", "-c", script, "sh", *extra]
    try:
        words = shlex.split(command)
    except ValueError:  # an unbalanced quote: let the shell say what is wrong
        return ["/bin/sh", "-c", command, "sh", *extra]
    return [*words, *extra]


class Notifier:
    """Runs the notify scripts of a configuration's instances and sync groups.

    :param config: the configuration (:meth:`update` on reload).
    :param timeout: seconds before a running script is killed.
    """

    def __init__(self, config: KeepalivedConfig, *, timeout: float = NOTIFY_TIMEOUT) -> None:
        self.timeout = timeout
        self._states: dict[str, str] = {}
        self._group_states: dict[str, str] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.update(config)

    def update(self, config: KeepalivedConfig) -> None:
        """Takes the scripts of a reloaded configuration."""
        self._instances = {i.name: i for i in config.vrrp_instances}
        self._groups = {g.name: g for g in config.vrrp_sync_groups}

    def instance_changed(self, name: str, state: str, priority: int) -> None:
        """*name* entered *state* (``INIT`` on shutdown is reported as ``STOP``)."""
        word = _STATE_WORDS.get(state)
        inst = self._instances.get(name)
        if word is None or inst is None:
            return
        self._states[name] = word
        self._run_scripts("INSTANCE", name, word, inst, (str(priority),))
        for group in self._groups.values():
            if name in group.group:
                self._group_check(group.name)

    def _group_check(self, name: str) -> None:
        group = self._groups[name]
        states = {self._states.get(member) for member in group.group}
        if len(states) != 1:
            return
        (word,) = states
        if word is None or self._group_states.get(name) == word:
            return
        self._group_states[name] = word
        self._run_scripts("GROUP", name, word, group, ())

    def _run_scripts(
        self, kind: str, name: str, word: str, owner: object, extra: tuple[str, ...]
    ) -> None:
        specific: Script | None = getattr(owner, f"notify_{word.lower()}", None)
        if specific is not None:
            self._spawn(specific, command_argv(specific.command))
        generic: Script | None = getattr(owner, "notify", None)
        if generic is not None:
            self._spawn(generic, command_argv(generic.command, (kind, name, word, *extra)))

    def _spawn(self, script: Script, argv: list[str]) -> None:
        task = asyncio.get_running_loop().create_task(self._run(script, argv))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, script: Script, argv: list[str]) -> None:
        try:
            process = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL,
                start_new_session=True,
                user=script.user,
                group=script.group,
            )
        except (OSError, ValueError, KeyError) as exc:  # not found, not executable, no user
            log.error("cannot run notify script %s: %s", script.command, exc)
            return
        try:
            status = await asyncio.wait_for(process.wait(), self.timeout)
        except asyncio.TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
            log.error("notify script %s timed out after %gs: killed", script.command, self.timeout)
            return
        if status != 0:
            log.error("notify script %s exited with status %d", script.command, status)

    async def drain(self) -> None:
        """Waits for the scripts still running (each bounded by the timeout)."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
