# SPDX-License-Identifier: Apache-2.0
"""The VRRP process of ``pyipvs-keepalived -P``: every ``vrrp_instance`` of a keepalived.conf,
each a :class:`~pyipvs.vrrp.VrrpInstance` run by a :class:`~pyipvs.vrrp.driver.VrrpDriver`,
``vrrp_sync_group`` members moving together.

Reload (keepalived's ``clear_diff_vrrp``, matched here by instance name): an instance whose
plan is unchanged keeps its state, timers and driver, and sends nothing extra; one whose
virtual addresses, routes or rules alone changed gets them in place (a master installs the
new ones, no transition); any other change rebuilds the instance; a removed one stops as on SIGTERM
(priority 0 if it was master, addresses removed).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from pyipvs.config import KeepalivedConfig
from pyipvs.daemon.notify import NOTIFY_TIMEOUT, Notifier
from pyipvs.daemon.vrrp.build import (
    InstancePlan,
    PrimaryLookup,
    interface_primary,
    plan_instances,
    plan_static_addresses,
    plan_statics,
)
from pyipvs.daemon.vrrp.state import StateFile
from pyipvs.daemon.vrrp.syncd import SyncDaemonFollower
from pyipvs.daemon.vrrp.track import Tracking
from pyipvs.vrrp import StateChanged, VrrpInstance, VrrpSyncGroup
from pyipvs.vrrp import events as ev
from pyipvs.vrrp.driver import VrrpDriver
from pyipvs.vrrp.route_netlink import change_routes
from pyipvs.vrrp.routes import Spec
from pyipvs.vrrp.unicast_peers import PeerCheck
from pyipvs.vrrp.vips import VipSpec, addresses_on, change_vips, netlink_error, open_rtnetlink

if TYPE_CHECKING:
    from pyroute2 import AsyncIPRoute

log = logging.getLogger("pyipvs.daemon")
#: Called with (instance name, change) for every state change.
Listener = Callable[[str, StateChanged], None]


class VrrpProcess:
    """Instances, drivers and sync groups built from *config*.

    :param config: the resolved keepalived.conf (:func:`pyipvs.config.read_config`).
    :param release_vips: remove the virtual addresses on stop (``False``: keepalived's
        ``--dont-release-vrrp``).
    :param primary: finds an interface's own address when the instance names none.
    :param notify_timeout: seconds before a notify script is killed.
    :param state_file: where states are recorded for a respawned successor, which resumes a
        master without a flap (:mod:`~pyipvs.daemon.vrrp.state`); None: no record, no resume.
    :raises PyipvsValueError: an instance cannot run (named in the message).
    """

    def __init__(
        self,
        config: KeepalivedConfig,
        *,
        release_vips: bool = True,
        primary: PrimaryLookup = interface_primary,
        notify_timeout: float = NOTIFY_TIMEOUT,
        state_file: StateFile | None = None,
    ) -> None:
        self.state_file = state_file
        self._primary = primary
        self.notifier = Notifier(config, timeout=notify_timeout)
        self.tracking = Tracking(config)
        self._release_vips = release_vips
        self.config = config
        self.plans = plan_instances(config, primary)
        self.statics = plan_statics(config)
        self.static_addresses = plan_static_addresses(config)
        self.instances: dict[str, VrrpInstance] = {}
        self.drivers: dict[str, VrrpDriver] = {}
        self.groups: dict[str, VrrpSyncGroup] = {}
        self._listeners: list[Listener] = []
        self._stop_requested: asyncio.Event | None = None
        self._lock: asyncio.Lock | None = None
        self.syncd: SyncDaemonFollower | None = None
        self._follow_sync_daemon(config)
        for plan in self.plans.values():
            self._build(plan)
        self._build_groups()

    def subscribe(self, listener: Listener) -> None:
        """Calls *listener(name, change)* on every state change of every instance (also of
        instances added by a reload)."""
        self._listeners.append(listener)

    # ===== lifecycle =====

    async def run(self) -> None:
        """Starts every instance and runs until :meth:`stop`; then shuts them all down."""
        self._stop_requested = asyncio.Event()
        self._lock = asyncio.Lock()
        self.tracking.start()
        self.notifier.start()
        previous, age = self.state_file.load() if self.state_file else ({}, None)
        delay = self.config.global_defs.vrrp_startup_delay  # not for instances a reload adds
        if delay:
            log.info("Delaying startup for %g seconds", delay)
        await self._change_statics(self.statics, add=True, addresses=self.static_addresses)
        async with self._lock:
            for name in list(self.drivers):
                resume = await self._resumes(name, previous.get(name), age)
                await self._start(name, resume, delay)
            self._build_groups()
        heartbeat = asyncio.get_running_loop().create_task(self._heartbeat())
        await self._stop_requested.wait()
        heartbeat.cancel()
        async with self._lock:
            await asyncio.gather(*(self._shutdown(name) for name in list(self.drivers)))
        await self._change_statics(self.statics, add=False, addresses=self.static_addresses)
        self.tracking.stop()
        if self.state_file is not None:
            self.state_file.remove()  # priority 0 sent: a successor must not resume
        await self.notifier.drain()
        self.notifier.close()

    def stop(self) -> None:
        """Asks :meth:`run` to shut down: masters send priority 0, addresses are removed."""
        if self._stop_requested is not None:
            self._stop_requested.set()

    async def reload(self, config: KeepalivedConfig) -> None:
        """Applies a new configuration (see the module's description).

        :raises PyipvsValueError: the new configuration cannot run; nothing was changed.
        """
        new = plan_instances(config, self._primary)  # raises before anything changes
        statics, addresses = plan_statics(config), plan_static_addresses(config)
        assert self._lock is not None, "reload() before run()"
        async with self._lock:
            kept, kept_addresses = self.statics, self.static_addresses
            dropped = tuple(a for a in kept_addresses if a not in addresses)
            added = tuple(a for a in addresses if a not in kept_addresses)
            await self._change_statics(tuple(s for s in kept if s not in statics), False, dropped)
            await self._change_statics(tuple(s for s in statics if s not in kept), True, added)
            self.statics, self.static_addresses = statics, addresses
            old = self.plans
            for name in (old.keys() - new.keys()) & self.drivers.keys():
                log.info("(%s) removed from the configuration: stopping", name)
                await self._shutdown(name)
                if self.state_file is not None:
                    self.state_file.forget(name)
            self.notifier.update(config)
            self.tracking.update(config)
            self._follow_sync_daemon(config)
            for name, plan in new.items():
                await self._apply(name, old.get(name), plan)
            self.plans, self.config = new, config
            self._build_groups()

    async def _apply(self, name: str, old: InstancePlan | None, plan: InstancePlan) -> None:
        running = old is not None and name in self.drivers  # it may have failed to start
        if running and old == plan:
            return
        if running and old is not None and old.same_but_addresses(plan):
            log.info("(%s) virtual addresses, routes or rules changed", name)
            self.drivers[name].update_addresses(plan.config.addresses, plan.vips)
            self.drivers[name].update_routes(plan.config.routes)
            return
        if running:
            log.info("(%s) configuration changed: restarting the instance", name)
            await self._shutdown(name)
        self._build(plan)
        await self._start(name)

    async def _change_statics(
        self, specs: tuple[Spec, ...], add: bool, addresses: tuple[VipSpec, ...] = ()
    ) -> None:
        """``static_ipaddress``, ``static_routes``, ``static_rules``: installed while the
        process runs (keepalived adds them at start and removes them on stop, seen in a
        namespace); addresses before routes (a route's ``src``), removed after them."""
        if not specs and not addresses:
            return
        try:
            async with open_rtnetlink() as ipr:
                if add:
                    await _change_addresses(ipr, addresses, add)
                await change_routes(ipr, specs, add)
                if not add:
                    await _change_addresses(ipr, addresses, add)
        except OSError as exc:
            log.error("static addresses / routes / rules: %s", exc)

    # ===== one instance =====

    def _build(self, plan: InstancePlan) -> None:
        instance = VrrpInstance(plan.config)
        driver = VrrpDriver(
            instance,
            plan.interface,
            unicast_peers=plan.unicast_peers,
            v3_ipv4_pseudo_header=plan.v3_ipv4_pseudo_header,
            old_unicast_checksum=plan.old_unicast_checksum,
            unicast_ttl=plan.unicast_ttl,
            peer_check=PeerCheck(
                {address: (low, high) for address, low, high in plan.peer_ttls},
                plan.check_unicast_src,
            ),
            garp_repeat=plan.garp_repeat,
            vips=plan.vips,
            excluded=plan.excluded,
            garp_timing=plan.garp_timing,
            vmac=plan.vmac,
        )
        driver.subscribe(lambda change: self._changed(plan, instance, change))
        self.instances[plan.name] = instance
        self.drivers[plan.name] = driver

        def feed(event: ev.Event) -> None:
            if driver.started:
                driver.feed(event)
            else:  # before Startup: the instance only records it (INIT acts on nothing)
                instance.handle(event, 0.0)

        own = plan.interface if plan.track_interface else None
        self.tracking.attach(plan.name, own, dict(plan.config.tracked), feed)

    async def _start(self, name: str, resume_master: bool = False, delay: float = 0.0) -> None:
        try:
            await self.drivers[name].start(resume_master=resume_master, startup_delay=delay)
        except (OSError, LookupError) as exc:  # no interface, a socket refused: others run on
            log.error("(%s) cannot start: %s", name, exc)
            self.tracking.detach(name)
            self.drivers.pop(name).close()
            self.instances.pop(name)

    async def _shutdown(self, name: str) -> None:
        self.tracking.detach(name)
        driver = self.drivers.pop(name)
        self.instances.pop(name)
        # Its shutdown goes to the instance itself: through its sync group the actions would
        # look for the driver just taken out (and a stop moves no other member).
        driver.route = None
        try:
            await driver.stop(release_vips=self._release_vips)
        except OSError as exc:
            log.error("(%s) stop: %s", name, exc)

    def _changed(self, plan: InstancePlan, instance: VrrpInstance, change: StateChanged) -> None:
        name = plan.name
        if self.state_file is not None:
            self.state_file.record(plan, change.new)
        if change.new != "INIT":
            log.info("(%s) Entering %s STATE (%s)", name, change.new, change.reason)
        self.notifier.instance_changed(name, change.new, instance.priority)
        if self.syncd is not None and self.syncd.spec.vrrp_instance == name:
            self.syncd.changed(change.new)
        for listener in self._listeners:
            listener(name, change)

    def _follow_sync_daemon(self, config: KeepalivedConfig) -> None:
        spec = config.global_defs.lvs_sync_daemon
        if spec is not None and spec.vrrp_instance is None:
            log.warning("lvs_sync_daemon %s: no VRRP instance named: ignored", spec.interface)
            spec = None
        old = self.syncd
        if old is not None and (spec is None or old.spec != spec):
            old.changed("INIT")  # stops what it started
        if spec is None:
            self.syncd = None
        elif old is None or old.spec != spec:
            self.syncd = SyncDaemonFollower(spec)
            instance = self.instances.get(spec.vrrp_instance or "")
            if instance is not None:  # a reload: follow the running state at once
                self.syncd.changed(instance.state)

    # ===== resuming after a respawn =====

    async def _resumes(
        self, name: str, previous: dict[str, object] | None, age: float | None
    ) -> bool:
        plan, instance = self.plans[name], self.instances[name]
        if self.state_file is None or not self.state_file.resumable(
            plan, previous, age, instance.master_down_interval
        ):
            return False
        devs = {plan.interface} | {v.dev for v in plan.vips if v.dev is not None}
        if plan.vmac is not None:  # the addresses without a dev live on it
            devs.add(plan.vmac.name)
        present = set().union(*[await addresses_on(dev) for dev in sorted(devs)])
        if not {*plan.config.addresses, *plan.excluded} <= present:  # each on its own dev
            return False
        log.info("(%s) was MASTER %.3fs ago, addresses in place: resuming as MASTER", name, age)
        return True

    async def _heartbeat(self) -> None:
        """Touches the state file while an instance is master (its age tells a successor
        whether a backup may have taken over)."""
        if self.state_file is None:
            return
        while True:  # the period follows reloads
            intervals = [plan.config.advert_interval for plan in self.plans.values()]
            await asyncio.sleep(min(intervals, default=1.0))
            if any(i.state == "MASTER" for i in self.instances.values()):
                self.state_file.touch()

    # ===== sync groups =====

    def _build_groups(self) -> None:
        """Sync groups over the current instances; a member's events go through its group."""
        self.groups.clear()
        for driver in self.drivers.values():
            driver.route = None
        for group in self.config.vrrp_sync_groups:
            members = {m: self.instances[m] for m in group.group if m in self.instances}
            if len(members) < 2:
                if group.group:
                    log.warning("vrrp_sync_group %s: fewer than two members, ignored", group.name)
                continue
            sync = VrrpSyncGroup(group.name, members)
            self.groups[group.name] = sync
            for member in members:
                self.drivers[member].route = self._router(sync, member)

    def _router(self, group: VrrpSyncGroup, member: str) -> Callable[[ev.Event, float], None]:
        def route(event: ev.Event, now: float) -> None:
            for name, action in group.handle(member, event, now):
                driver = self.drivers.get(name)
                if driver is not None:
                    driver.perform([action])

        return route


async def _change_addresses(ipr: AsyncIPRoute, specs: tuple[VipSpec, ...], add: bool) -> None:
    """Static addresses, each on its interface; one that cannot be placed is logged."""
    failed = netlink_error()
    for spec in specs:
        found = await ipr.link_lookup(ifname=spec.dev)
        if not found:
            log.error("static_ipaddress %s: no interface %r", spec.address, spec.dev)
            continue
        try:
            await change_vips(ipr, [(int(found[0]), spec)], add)
        except failed as exc:
            log.error("static_ipaddress %s: %s", spec.address, exc)
