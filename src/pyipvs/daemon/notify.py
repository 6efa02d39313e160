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

``notify_fifo`` and ``vrrp_notify_fifo`` (``global_defs``) get one line per instance or group
transition, ``INSTANCE "VI_1" MASTER 100`` / ``GROUP "G1" BACKUP 0``, as keepalived 2.2.7
writes them: the FIFO is made if missing (and removed on stop), its ``*_fifo_script`` started
with the FIFO's name as last argument (and stopped with the process), and a full or readerless
FIFO never blocks (the line is lost, as with keepalived).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shlex
import signal
from collections.abc import Sequence

from pyipvs.config import KeepalivedConfig, Script
from pyipvs.daemon import tuning

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
        self._fifos: list[NotifyFifo] = []
        self._fifo_specs: tuple[tuple[Script, Script | None], ...] = ()
        self._started = False
        self.update(config)

    def update(self, config: KeepalivedConfig) -> None:
        """Takes the scripts (and FIFOs, reopened if they changed) of a reloaded
        configuration."""
        self._instances = {i.name: i for i in config.vrrp_instances}
        self._groups = {g.name: g for g in config.vrrp_sync_groups}
        specs = _fifo_specs(config)
        if specs != self._fifo_specs:
            self._close_fifos()
            self._fifo_specs = specs
            if self._started:
                self._open_fifos()

    def start(self) -> None:
        """Opens the notify FIFOs (the process is starting its instances)."""
        self._started = True
        self._open_fifos()

    def close(self) -> None:
        """Closes the FIFOs (removing those made here) and stops their scripts."""
        self._close_fifos()
        self._started = False

    def _open_fifos(self) -> None:
        self._fifos = [NotifyFifo(fifo, script) for fifo, script in self._fifo_specs]
        for fifo in self._fifos:
            fifo.open()

    def _close_fifos(self) -> None:
        for fifo in self._fifos:
            fifo.close()
        self._fifos = []

    def _fifo_line(self, kind: str, name: str, word: str, priority: int) -> None:
        line = f'{kind} "{name}" {word} {priority}\n'.encode()
        for fifo in self._fifos:
            fifo.write(line)

    def instance_changed(self, name: str, state: str, priority: int) -> None:
        """*name* entered *state* (``INIT`` on shutdown is reported as ``STOP``)."""
        word = _STATE_WORDS.get(state)
        inst = self._instances.get(name)
        if word is None or inst is None:
            return
        self._states[name] = word
        self._fifo_line("INSTANCE", name, word, priority)
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
        self._fifo_line("GROUP", name, word, 0)
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
                preexec_fn=tuning.script_setup(),  # keepalived's reset of the nice value
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


def _fifo_specs(config: KeepalivedConfig) -> tuple[tuple[Script, Script | None], ...]:
    """The FIFOs to write, the global one first; keepalived ignores a ``vrrp_notify_fifo`` of
    the global one's name (global_data.c)."""
    g = config.global_defs
    specs: list[tuple[Script, Script | None]] = []
    if g.notify_fifo is not None:
        specs.append((g.notify_fifo, g.notify_fifo_script))
    if g.vrrp_notify_fifo is not None:
        if g.notify_fifo is not None and g.notify_fifo.command == g.vrrp_notify_fifo.command:
            log.info(
                "notify FIFO %s has been specified for global and vrrp FIFO - ignoring vrrp FIFO",
                g.vrrp_notify_fifo.command,
            )
        else:
            specs.append((g.vrrp_notify_fifo, g.vrrp_notify_fifo_script))
    return tuple(specs)


class NotifyFifo:
    """One notify FIFO (keepalived 2.2.7 lib/notify.c ``fifo_open`` / ``fifo_close``).

    :param fifo: its path in ``command``, and the owner to give it when it is made here.
    :param script: started with the path as its last argument once the FIFO exists; it runs
        until :meth:`close` (keepalived's reader of the FIFO).
    """

    def __init__(self, fifo: Script, script: Script | None = None) -> None:
        self.path = fifo.command
        self._owner = (fifo.user, fifo.group)
        self._script = script
        self._fd = -1
        self._made = False
        self._reader: asyncio.subprocess.Process | None = None

    def open(self) -> None:
        try:
            os.mkfifo(self.path, 0o644)
            self._made = True
            if self._owner != (None, None):
                os.chown(self.path, *_ids(*self._owner))
        except FileExistsError:
            pass
        except (OSError, KeyError) as exc:
            log.info("Unable to create notify fifo %s: %s", self.path, exc)
            if not self._made:
                return
        if self._script is not None:
            asyncio.get_running_loop().create_task(self._start_reader(self._script))
        try:
            self._fd = os.open(self.path, os.O_RDWR | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOFOLLOW)
        except OSError as exc:
            log.info("Unable to open notify fifo %s - errno %d", self.path, exc.errno)
            self._remove()

    def write(self, line: bytes) -> None:
        if self._fd != -1:
            with contextlib.suppress(OSError):  # full, or no reader: keepalived drops it too
                os.write(self._fd, line)

    def close(self) -> None:
        # Removed first, so a reader that reopens it in a loop cannot (as keepalived).
        self._remove()
        if self._fd != -1:
            os.close(self._fd)
            self._fd = -1
        if self._reader is not None and self._reader.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._reader.pid, signal.SIGTERM)
        self._reader = None

    def _remove(self) -> None:
        if self._made:
            with contextlib.suppress(OSError):
                os.unlink(self.path)
            self._made = False

    async def _start_reader(self, script: Script) -> None:
        try:
            self._reader = await asyncio.create_subprocess_exec(
                *command_argv(script.command, (self.path,)),
                stdin=asyncio.subprocess.DEVNULL,
                start_new_session=True,
                user=script.user,
                group=script.group,
            )
        except (OSError, ValueError, KeyError) as exc:
            log.error("cannot run notify fifo script %s: %s", script.command, exc)


def _ids(user: str | None, group: str | None) -> tuple[int, int]:
    import grp
    import pwd

    uid = pwd.getpwnam(user).pw_uid if user else -1
    gid = grp.getgrnam(group).gr_gid if group else (pwd.getpwnam(user).pw_gid if user else -1)
    return uid, gid
