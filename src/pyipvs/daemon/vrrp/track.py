# SPDX-License-Identifier: Apache-2.0
"""What the VRRP process tracks for its instances: links (the instance's own interface and its
``track_interface`` entries) through rtnetlink link events, ``vrrp_script`` s run on their
interval with rise / fall, and ``track_file`` s (:mod:`~pyipvs.daemon.vrrp.track_file`).

A tracked object reaches an instance as a :class:`~pyipvs.vrrp.TrackChanged` (its own interface
as :class:`~pyipvs.vrrp.InterfaceDown` / :class:`~pyipvs.vrrp.InterfaceUp`); the weights are
the state machine's (``VrrpConfig.tracked``: weight 0 means FAULT while down, keepalived's
``vrrp_track.c``). An object's state when an instance is built is fed before the instance
starts, so an instance whose interface is down starts in FAULT.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import socket
import struct
from collections.abc import Callable, Iterable

from pyipvs.config import KeepalivedConfig, Tracked, VrrpScriptConfig
from pyipvs.config import VrrpInstanceConfig as InstanceConf
from pyipvs.daemon import tuning
from pyipvs.daemon.notify import command_argv
from pyipvs.daemon.vrrp.track_file import FileTracker
from pyipvs.vrrp import InterfaceDown, InterfaceUp, TrackChanged
from pyipvs.vrrp import events as ev

log = logging.getLogger("pyipvs.daemon")

IFACE, SCRIPT, FILE = "interface:", "script:", "file:"
_RTMGRP_LINK = 1
_RTM_NEWLINK, _RTM_DELLINK = 16, 17
_IFLA_IFNAME = 3
_IFF_UP, _IFF_RUNNING = 0x1, 0x40
_SIOCGIFFLAGS = 0x8913
#: Feeds an event to one instance (its driver's ``feed``, or the instance before it starts).
Feed = Callable[[ev.Event], None]


def tracked_weights(inst: InstanceConf, config: KeepalivedConfig) -> dict[str, int]:
    """``VrrpConfig.tracked`` for an instance: each tracked interface, known script and file,
    by ``interface:NAME`` / ``script:NAME`` / ``file:NAME``, with its weight (``reverse`` turns
    it round). The ``track_*`` of a ``vrrp_sync_group`` the instance is in are its own too
    (keepalived 2.2.7 ``sync_group_tracking_init``), weights set to 0 when a member is the
    address owner; an object the instance tracks itself keeps its own weight."""
    weights = _weights(inst.track_interface, inst.track_script, inst.track_file, config)
    priorities = {i.name: i.priority for i in config.vrrp_instances}
    for group in config.vrrp_sync_groups:
        if inst.name not in group.group:
            continue
        owner = any(priorities.get(member) == 255 for member in group.group)
        shared = _weights(group.track_interface, group.track_script, group.track_file, config)
        for key, weight in shared.items():
            weights.setdefault(key, 0 if owner else weight)
    return weights


def _weights(
    interfaces: Iterable[Tracked],
    scripts_tracked: Iterable[Tracked],
    files_tracked: Iterable[Tracked],
    config: KeepalivedConfig,
) -> dict[str, int]:
    scripts = {s.name: s for s in config.vrrp_scripts}
    weights: dict[str, int] = {}
    for entry in interfaces:
        weight = entry.weight or 0
        weights[IFACE + entry.name] = -weight if entry.reverse else weight
    for entry in scripts_tracked:
        script = scripts.get(entry.name)
        if script is None:  # the reader warned: keepalived ignores it
            continue
        weight = script.weight if entry.weight is None else entry.weight
        reverse = script.weight_reverse if entry.weight is None else entry.reverse
        weights[SCRIPT + entry.name] = -weight if reverse else weight
    files = {f.name: f for f in config.track_files}
    for entry in files_tracked:
        file = files.get(entry.name)
        if file is None:
            continue
        weight = file.weight if entry.weight is None else entry.weight
        reverse = file.weight_reverse if entry.weight is None else entry.reverse
        weights[FILE + entry.name] = -weight if reverse else weight
    return weights


def link_up(interface: str) -> bool:
    """Whether the interface is up with a carrier (``IFF_UP`` and ``IFF_RUNNING``, as
    keepalived); False when there is no such interface."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            answer = fcntl.ioctl(
                sock.fileno(), _SIOCGIFFLAGS, struct.pack("256s", interface[:15].encode())
            )
        except OSError:
            return False
    flags = struct.unpack_from("H", answer, 16)[0]
    return bool(flags & _IFF_UP and flags & _IFF_RUNNING)


def parse_link_messages(data: bytes) -> list[tuple[str, bool]]:
    """(interface name, up) for each RTM_NEWLINK / RTM_DELLINK in a netlink datagram."""
    out: list[tuple[str, bool]] = []
    offset = 0
    while offset + 16 <= len(data):
        length, kind = struct.unpack_from("=IH", data, offset)
        if length < 16:
            break
        if kind in (_RTM_NEWLINK, _RTM_DELLINK) and length >= 32:
            flags = struct.unpack_from("=I", data, offset + 24)[0]
            name = _ifname(data[offset + 32 : offset + length])
            up = kind == _RTM_NEWLINK and bool(flags & _IFF_UP and flags & _IFF_RUNNING)
            if name is not None:
                out.append((name, up))
        offset += (length + 3) & ~3
    return out


def _ifname(attributes: bytes) -> str | None:
    offset = 0
    while offset + 4 <= len(attributes):
        length, kind = struct.unpack_from("=HH", attributes, offset)
        if length < 4:
            return None
        if kind == _IFLA_IFNAME:
            return attributes[offset + 4 : offset + length].split(b"\0")[0].decode()
        offset += (length + 3) & ~3
    return None


class Tracking:
    """Link monitor and script runners, shared by every instance of the process."""

    def __init__(self, config: KeepalivedConfig) -> None:
        self._watchers: dict[str, dict[str, tuple[str | None, Feed]]] = {}
        self._links: dict[str, bool] = {}
        self._scripts: dict[str, ScriptTracker] = {}
        self._files: dict[str, FileTracker] = {}
        self._sock: socket.socket | None = None
        self.update(config)

    def update(self, config: KeepalivedConfig) -> None:
        """Runs the ``vrrp_script`` s and ``track_file`` s of *config* (a changed script
        restarts with its last result and instances)."""
        self._update_files(config)
        wanted = {s.name: s for s in config.vrrp_scripts if s.script is not None}
        for name, old in list(self._scripts.items()):
            if wanted.get(name) != old.config:
                old.stop()
                del self._scripts[name]
                if name in wanted:  # changed: its instances and last result carry over
                    fresh = ScriptTracker(wanted[name], self._script_changed)
                    fresh.up, fresh.watchers = old.up, old.watchers
                    self._scripts[name] = fresh
        for name, script in wanted.items():
            if name not in self._scripts:
                self._scripts[name] = ScriptTracker(script, self._script_changed)
            if self._sock is not None:
                self._scripts[name].start()

    def _update_files(self, config: KeepalivedConfig) -> None:
        wanted = {f.name: f for f in config.track_files}
        for name, old in list(self._files.items()):
            if wanted.get(name) != old.config:
                old.stop()
                del self._files[name]
        for name, file in wanted.items():
            if name not in self._files:
                self._files[name] = FileTracker(file, self._file_changed)
            if self._sock is not None:
                self._files[name].start()

    def _file_changed(self, tracker: FileTracker) -> None:
        log.info("track_file %s is now %d", tracker.config.name, tracker.value)
        for feed in list(tracker.watchers.values()):
            feed(tracker.event(FILE + tracker.config.name))

    # ===== instances =====

    def attach(
        self, instance: str, interface: str | None, tracked: dict[str, int], feed: Feed
    ) -> None:
        """Feeds the current state of what *instance* tracks (its own *interface* unless None,
        the ``tracked`` keys) through *feed*, then every change."""
        if interface is not None:
            self._watch(interface, instance, None, feed)
        for key in tracked:
            if key.startswith(IFACE):
                self._watch(key[len(IFACE) :], instance, key, feed)
            elif key.startswith(SCRIPT) and key[len(SCRIPT) :] in self._scripts:
                tracker = self._scripts[key[len(SCRIPT) :]]
                tracker.watchers[instance] = feed
                if not tracker.up:
                    feed(TrackChanged(key, False))
            elif key.startswith(FILE) and key[len(FILE) :] in self._files:
                file = self._files[key[len(FILE) :]]
                file.watchers[instance] = feed
                if file.value != 0:
                    feed(file.event(key))

    def detach(self, instance: str) -> None:
        for watchers in self._watchers.values():
            watchers.pop(instance, None)
        for tracker in self._scripts.values():
            tracker.watchers.pop(instance, None)
        for file in self._files.values():
            file.watchers.pop(instance, None)

    def _watch(self, interface: str, instance: str, key: str | None, feed: Feed) -> None:
        up = self._links.setdefault(interface, link_up(interface))
        self._watchers.setdefault(interface, {})[
            instance if key is None else f"{instance} {key}"
        ] = (key, feed)
        if not up:
            feed(_link_event(key, False))

    # ===== the loop =====

    def start(self) -> None:
        """Subscribes to link events and starts the scripts (in the running loop)."""
        sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW | socket.SOCK_NONBLOCK, 0)
        sock.bind((0, _RTMGRP_LINK))
        self._sock = sock
        asyncio.get_running_loop().add_reader(sock.fileno(), self._read_links)
        for tracker in self._scripts.values():
            tracker.start()
        for file in self._files.values():
            file.start()

    def stop(self) -> None:
        if self._sock is not None:
            asyncio.get_running_loop().remove_reader(self._sock.fileno())
            self._sock.close()
            self._sock = None
        for tracker in self._scripts.values():
            tracker.stop()
        for file in self._files.values():
            file.stop()

    def _read_links(self) -> None:
        assert self._sock is not None
        while True:
            try:
                data = self._sock.recv(65536)
            except (BlockingIOError, InterruptedError):
                return
            for name, up in parse_link_messages(data):
                self._link_changed(name, up)

    def _link_changed(self, interface: str, up: bool) -> None:
        if interface not in self._watchers or self._links.get(interface) == up:
            return
        self._links[interface] = up
        log.info("Netlink reports %s %s", interface, "up" if up else "down")
        for key, feed in list(self._watchers[interface].values()):
            feed(_link_event(key, up))

    def _script_changed(self, tracker: ScriptTracker) -> None:
        name = tracker.config.name
        log.info("VRRP_Script(%s) %s", name, "succeeded" if tracker.up else "failed")
        for feed in list(tracker.watchers.values()):
            feed(TrackChanged(SCRIPT + name, tracker.up))


def _link_event(key: str | None, up: bool) -> ev.Event:
    if key is None:
        return InterfaceUp() if up else InterfaceDown()
    return TrackChanged(key, up)


class ScriptTracker:
    """One ``vrrp_script``: run every ``interval``, killed after ``timeout``; ``rise``
    successes in a row make it up, ``fall`` failures down. It starts up, or down with
    ``init_fail``."""

    def __init__(self, config: VrrpScriptConfig, changed: Callable[[ScriptTracker], None]) -> None:
        self.config = config
        self.up = not config.init_fail
        self.watchers: dict[str, Feed] = {}
        self._changed = changed
        self._streak = 0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._loop())

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def _loop(self) -> None:
        while True:
            self.record(await self._run_once())
            await asyncio.sleep(self.config.interval)

    def record(self, ok: bool) -> None:
        """One result: counts the streak, flips the state on ``rise`` / ``fall``."""
        if ok == self.up:
            self._streak = 0
            return
        self._streak += 1
        if self._streak >= (self.config.rise if ok else self.config.fall):
            self.up, self._streak = ok, 0
            self._changed(self)

    async def _run_once(self) -> bool:
        script = self.config.script
        assert script is not None
        timeout = self.config.timeout or self.config.interval
        try:
            process = await asyncio.create_subprocess_exec(
                *command_argv(script.command),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL,
                start_new_session=True,
                preexec_fn=tuning.script_setup(),  # keepalived's reset of the nice value
            )
        except OSError as exc:
            log.error("VRRP_Script(%s) cannot run %s: %s", self.config.name, script.command, exc)
            return False
        try:
            return await asyncio.wait_for(process.wait(), timeout) == 0
        except asyncio.TimeoutError:
            process.kill()
            await process.wait()
            log.warning("VRRP_Script(%s) timed out", self.config.name)
            return False
