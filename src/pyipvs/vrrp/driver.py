# SPDX-License-Identifier: Apache-2.0
"""The asyncio driver of a :class:`~pyipvs.vrrp.VrrpInstance`: the only VRRP code that touches
sockets and clocks.

It turns what happens (an advertisement on the raw socket, a timer, a stop request) into events,
hands them to the instance with the loop's monotonic time, and carries out the actions: adverts
built by the C codec and sent on a raw socket (IPv4 with ``IP_HDRINCL``, so TTL 255 and TOS
0xc0 come from the codec; IPv6 with hop limit 255 set on the socket), virtual addresses through
rtnetlink (and the ``virtual_routes`` / ``virtual_rules``), gratuitous ARP / unsolicited NA on an
``AF_PACKET`` socket.

Late timers (see the guide's late-timer contract): when a timer fires, the driver first drains
the receive socket and feeds every queued advert with its kernel arrival time
(``SO_TIMESTAMP``), and only then the expiry, with how late it is. Every wake-up's lateness is
measured and kept in :attr:`VrrpDriver.lateness`. Timers are timerfds watched by the loop
(:class:`~pyipvs.vrrp.loop_timers.LoopTimers`): on time to tens of microseconds, never
blocking the loop.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
import struct
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pyipvs.errors import VrrpPacketError
from pyipvs.vrrp import actions as act
from pyipvs.vrrp import events as ev
from pyipvs.vrrp.codec import VrrpParser
from pyipvs.vrrp.garp_schedule import GarpSchedule, GarpTiming
from pyipvs.vrrp.instance import VrrpInstance
from pyipvs.vrrp.loop_timers import LoopTimers
from pyipvs.vrrp.packet import VRRP_IPV4_GROUP, VRRP_IPV6_GROUP, VrrpPacket
from pyipvs.vrrp.route_netlink import change_routes
from pyipvs.vrrp.routes import Spec
from pyipvs.vrrp.unicast_checksum import UnicastChecksum
from pyipvs.vrrp.unicast_peers import PeerCheck
from pyipvs.vrrp.vip_links import VipLinks
from pyipvs.vrrp.vips import VipSpec, import_rtnetlink, open_rtnetlink
from pyipvs.vrrp.vmac import Vmac
from pyipvs.vrrp.vmac import create as vmac_create
from pyipvs.vrrp.vmac import delete as vmac_delete

if TYPE_CHECKING:
    from pyroute2 import AsyncIPRoute

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
log = logging.getLogger("pyipvs.vrrp")

IPPROTO_VRRP = 112
_SO_BINDTODEVICE = getattr(socket, "SO_BINDTODEVICE", 25)
_SO_TIMESTAMP = getattr(socket, "SO_TIMESTAMP", 29)
_IPV6_RECVHOPLIMIT = getattr(socket, "IPV6_RECVHOPLIMIT", 51)
_IPV6_HOPLIMIT = getattr(socket, "IPV6_HOPLIMIT", 52)
_IPV6_RECVPKTINFO = getattr(socket, "IPV6_RECVPKTINFO", 49)
_IPV6_PKTINFO = getattr(socket, "IPV6_PKTINFO", 50)
_LATE = 0.001  # a wake-up later than this is counted as late
_SAMPLES = 4096


@dataclass
class Lateness:
    """How late the driver's timer wake-ups were (seconds)."""

    wakeups: int = 0
    late: int = 0
    max: float = 0.0
    #: the most recent wake-ups' lateness; older ones roll off, so a long-running daemon's
    #: percentiles describe now, not its first hours
    samples: deque[float] = field(default_factory=lambda: deque(maxlen=_SAMPLES))

    def record(self, late: float) -> None:
        self.wakeups += 1
        if late > _LATE:
            self.late += 1
        self.max = max(self.max, late)
        self.samples.append(late)


class VrrpDriver:
    """Runs one instance on one interface.

    :param instance: the state machine (its config gives VRID, version, addresses).
    :param interface: the interface name.
    :param unicast_peers: send to these addresses instead of the multicast group (and accept
        adverts from anywhere on the interface, as keepalived does).
    :param v3_ipv4_pseudo_header: VRRPv3 over IPv4 checksum mode (see the packets guide).
    :param old_unicast_checksum: keepalived's ``old_unicast_checksum`` for VRRPv3 over IPv4
        to unicast peers: ``"auto"`` (its default), ``"always"`` or ``"never"``
        (:mod:`pyipvs.vrrp.unicast_checksum`).
    :param unicast_ttl: the TTL / hop limit of adverts to unicast peers (``unicast_ttl``).
    :param peer_check: which unicast adverts to take (``check_unicast_src``, a peer's
        ``min_ttl`` / ``max_ttl``); by default any.
    :param garp_repeat: gratuitous ARPs / NAs sent per address on becoming master.
    :param vips: how each virtual address is installed (its ``dev``, prefix, broadcast,
        label, scope); an address without a spec is a host address on *interface*.
    :param excluded: ``virtual_ipaddress_excluded``: installed, removed and announced with the
        instance's whole address list, never in the advert (any family).
    :param garp_timing: the later bursts (``garp_master_delay`` / ``_refresh``); the default
        sends none.
    :param vmac: ``use_vmac``: the VMAC made on *interface* at start and deleted on stop;
        the addresses without a ``dev`` go on it, adverts are sent and received on it (on
        *interface* with ``vmac_xmit_base``).
    :param unicast_check_ttl: with unicast peers, drop adverts whose TTL / hop limit is not 255
        (RFC 5798 5.1.1.3). keepalived does not check it for unicast (``False``, the default),
        and keepalived 2.2.7's IPv6 unicast adverts arrive with another hop limit (seen in the
        netns interop test).
    """

    def __init__(
        self,
        instance: VrrpInstance,
        interface: str,
        *,
        unicast_peers: Iterable[str | IPAddress] = (),
        v3_ipv4_pseudo_header: bool = True,
        old_unicast_checksum: str = "auto",
        unicast_ttl: int = 255,
        peer_check: PeerCheck | None = None,
        garp_repeat: int = 1,
        unicast_check_ttl: bool = False,
        vips: Iterable[VipSpec] = (),
        excluded: Iterable[IPAddress] = (),
        garp_timing: GarpTiming | None = None,
        vmac: Vmac | None = None,
    ) -> None:
        self.instance = instance
        self.interface = interface
        self.unicast_peers = tuple(ipaddress.ip_address(p) for p in unicast_peers)
        config = instance.config
        if any(p.version != config.family for p in self.unicast_peers):
            raise ValueError("unicast_peers: not the family of primary_address")
        self._pseudo = v3_ipv4_pseudo_header
        self._ttl = unicast_ttl if self.unicast_peers else 255
        self._peer_check = peer_check or PeerCheck({}, False)
        self._garp_repeat = garp_repeat
        self._parser = VrrpParser(
            v3_ipv4_pseudo_header=v3_ipv4_pseudo_header,
            version=config.version,
            vrid=config.vrid,
            check_ttl=unicast_check_ttl or not self.unicast_peers,
        )
        applies = bool(self.unicast_peers) and config.family == 4 and config.version == 3
        self._checksum = UnicastChecksum(
            self._parser, old_unicast_checksum, applies=applies and v3_ipv4_pseudo_header
        )
        self.lateness = Lateness()
        self.codec_drops: dict[str, int] = {}
        self._subscribers: list[Callable[[act.StateChanged], None]] = []
        self._timers: LoopTimers | None = None
        self._queue: asyncio.Queue[act.Action] = asyncio.Queue()
        self._in_flight = 0  # actions queued or being carried out
        self._loop: asyncio.AbstractEventLoop | None = None
        self._worker: asyncio.Task[None] | None = None
        self._sock: socket.socket | None = None
        self._tx: socket.socket | None = None
        self._vmac = vmac
        self._socket_interface = interface if vmac is None or vmac.xmit_base else vmac.name
        self._links = VipLinks(interface if vmac is None else vmac.name, vips)
        self._excluded = tuple(excluded)
        timing = garp_timing or GarpTiming(delay=0.0)
        self._later_garps = GarpSchedule(timing, self._resend_gratuitous)
        self._ipr: AsyncIPRoute | None = None
        self._rtnetlink_imported: asyncio.Future[None] | None = None
        self._index = 0
        self._release_vips = True
        #: When set (by a sync group's owner), events go here instead of to the instance: it
        #: hands them to the group and gives each member's driver its actions (:meth:`perform`).
        self.route: Callable[[ev.Event, float], None] | None = None

    @property
    def old_unicast_checksum(self) -> bool:
        """Whether the old VRRPv3 unicast checksum form is in use (configured or detected)."""
        return self._checksum.old

    @property
    def started(self) -> bool:
        """Whether :meth:`start` has run (and :meth:`stop` / :meth:`close` not yet)."""
        return self._worker is not None

    def subscribe(self, callback: Callable[[act.StateChanged], None]) -> None:
        """Calls *callback* with every :class:`~pyipvs.vrrp.StateChanged` (from the loop)."""
        self._subscribers.append(callback)

    # ===== lifecycle =====

    async def start(self, *, resume_master: bool = False, startup_delay: float = 0.0) -> None:
        """Opens the sockets and starts the instance (as master at once with
        *resume_master*, its down timer held for *startup_delay*: see
        :class:`~pyipvs.vrrp.Startup`)."""
        self._loop = asyncio.get_running_loop()
        self._timers = LoopTimers(self._loop, self._on_timer)
        # pyroute2 is imported in a thread while the instance starts (most of the child's
        # import time); the client is then opened and kept: installing the VIPs is on the
        # failover path.
        self._rtnetlink_imported = self._loop.run_in_executor(None, import_rtnetlink)
        self._rtnetlink_imported.add_done_callback(lambda _: self._open_rtnetlink())
        if self._vmac is not None:  # before anything opens it
            await vmac_create(await self._rtnetlink(), self._vmac)
        self._index, _ = await self._links.open(self._socket_interface)
        self._open_sockets()
        assert self._sock is not None
        self._loop.add_reader(self._sock.fileno(), self._drain)
        self._worker = asyncio.create_task(self._work())
        self._feed(ev.Startup(resume_master, startup_delay))

    async def stop(self, *, release_vips: bool = True) -> None:
        """Shuts the instance down (a master sends priority 0 and removes its addresses,
        unless *release_vips* is false: keepalived's ``--dont-release-vrrp``), waits for those
        actions, closes everything."""
        self._release_vips = release_vips
        self._feed(ev.Shutdown())
        await self._queue.join()
        if self._vmac is not None:
            self._links.close()  # its packet socket first
            await vmac_delete(await self._rtnetlink(), self._vmac)
        self.close()

    def close(self) -> None:
        """Closes sockets and timers without shutting the instance down (a start that
        failed half-way; :meth:`stop` ends with it)."""
        if self._worker is not None:
            self._worker.cancel()
            self._worker = None
        if self._timers is not None:
            self._timers.close()
            self._timers = None
        self._later_garps.cancel()
        if self._loop is not None and self._sock is not None:
            self._loop.remove_reader(self._sock.fileno())
        for sock in (self._sock, self._tx):
            if sock is not None:
                sock.close()
        self._sock = self._tx = None
        self._links.close()
        if self._ipr is not None:
            self._ipr.close()
            self._ipr = None
        self._rtnetlink_imported = None

    def _open_rtnetlink(self) -> AsyncIPRoute | None:
        if self._ipr is None and self._rtnetlink_imported is not None:  # not closed since
            self._ipr = open_rtnetlink()
        return self._ipr

    async def _rtnetlink(self) -> AsyncIPRoute:
        if self._rtnetlink_imported is not None:
            await self._rtnetlink_imported
        ipr = self._open_rtnetlink()
        assert ipr is not None, "rtnetlink used after close()"
        return ipr

    def _open_sockets(self) -> None:
        config = self.instance.config
        ifname = self._socket_interface.encode()
        if config.family == 4:
            rx = socket.socket(socket.AF_INET, socket.SOCK_RAW, IPPROTO_VRRP)
            tx = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
            tx.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 0)
            if not self.unicast_peers:
                mreqn = VRRP_IPV4_GROUP.packed + config.primary_address.packed
                mreqn += struct.pack("@i", self._index)
                rx.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreqn)
        else:
            rx = socket.socket(socket.AF_INET6, socket.SOCK_RAW, IPPROTO_VRRP)
            rx.setsockopt(socket.IPPROTO_IPV6, _IPV6_RECVHOPLIMIT, 1)
            rx.setsockopt(socket.IPPROTO_IPV6, _IPV6_RECVPKTINFO, 1)
            rx.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
            rx.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, self._ttl)
            rx.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_LOOP, 0)
            rx.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, self._index)
            if not self.unicast_peers:
                mreq = VRRP_IPV6_GROUP.packed + struct.pack("@I", self._index)
                rx.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, mreq)
            tx = rx
        for sock in {rx, tx}:
            sock.setsockopt(socket.SOL_SOCKET, _SO_BINDTODEVICE, ifname)
        rx.setsockopt(socket.SOL_SOCKET, _SO_TIMESTAMP, 1)
        rx.setblocking(False)
        self._sock, self._tx = rx, tx

    # ===== events in =====

    def _now(self) -> float:
        assert self._loop is not None
        return self._loop.time()

    def _feed(self, event: ev.Event, now: float | None = None) -> None:
        when = self._now() if now is None else now
        if self.route is not None:
            self.route(event, when)
            return
        self.perform(self.instance.handle(event, when))

    def feed(self, event: ev.Event) -> None:
        """Hands an event from outside (a tracker, a link monitor) to the instance, now."""
        self._feed(event)

    def perform(self, actions: Iterable[act.Action]) -> None:
        """Carries out actions of this driver's instance, in order."""
        for action in actions:
            self._act(action)

    def update_addresses(
        self, addresses: Iterable[IPAddress], vips: Iterable[VipSpec] = ()
    ) -> None:
        """A reload changed only the virtual addresses (and *vips*, their specs): applied
        without a transition."""
        self._links.update(vips)
        self.perform(self.instance.update_addresses(addresses))

    def update_routes(self, routes: Iterable[Spec]) -> None:
        """A reload changed the routes and rules (and maybe the addresses): applied without
        a transition."""
        self.perform(self.instance.update_routes(routes))

    def _drain(self) -> None:
        """Reads every queued advert and feeds it with its arrival time."""
        assert self._sock is not None
        while True:
            try:
                data, ancillary, _, address = self._sock.recvmsg(65535, 512)
            except (BlockingIOError, InterruptedError):
                return
            arrival, hop_limit, destination = self._ancillary(ancillary)
            try:
                if self.instance.config.family == 4:
                    received, switched = self._checksum.receive(data)
                    if switched:
                        vrid = self.instance.config.vrid
                        log.info("[VRID %d] Setting unicast VRRPv3 checksum to old version", vrid)
                else:
                    received = self._parser.receive_payload(
                        data, src=address[0].split("%")[0], dst=destination, hop_limit=hop_limit
                    )
            except VrrpPacketError as exc:
                self.codec_drops[exc.reason] = self.codec_drops.get(exc.reason, 0) + 1
                continue
            rejected = self._peer_check.reject(received.source, received.hop_limit)
            if rejected is not None:
                reason, text = rejected
                self.codec_drops[reason] = self.codec_drops.get(reason, 0) + 1
                log.info("[VRID %d] %s", self.instance.config.vrid, text)
                continue
            self._feed(ev.AdvertReceived(received.packet, received.source), arrival)

    def _ancillary(self, ancillary: list[tuple[int, int, bytes]]) -> tuple[float, int, str]:
        now, wall = self._now(), time.time()
        arrival, hop_limit, destination = now, -1, str(VRRP_IPV6_GROUP)
        for level, kind, data in ancillary:
            if level == socket.SOL_SOCKET and kind == _SO_TIMESTAMP:
                sec, usec = struct.unpack("@ll", data[: struct.calcsize("@ll")])
                arrival = now - max(0.0, wall - (sec + usec / 1e6))
            elif level == socket.IPPROTO_IPV6 and kind == _IPV6_HOPLIMIT:
                hop_limit = struct.unpack("@i", data[:4])[0]
            elif level == socket.IPPROTO_IPV6 and kind == _IPV6_PKTINFO:
                destination = str(ipaddress.IPv6Address(data[:16]))
        return arrival, hop_limit, destination

    def _on_timer(self, timer: str, deadline: float) -> None:
        late = max(0.0, self._now() - deadline)
        self.lateness.record(late)
        # The late-timer contract: queued adverts first, with their arrival times.
        self._drain()
        self._feed(ev.TimerExpired(timer, late))

    # ===== actions out =====

    def _act(self, action: act.Action) -> None:
        assert self._loop is not None
        if isinstance(action, act.StartTimer):
            assert self._timers is not None
            self._timers.arm(action.timer, action.deadline)
        elif isinstance(action, act.CancelTimer):
            if self._timers is not None:
                self._timers.cancel(action.timer)
        elif isinstance(action, act.StateChanged):
            log.info(
                "[VRID %d] %s -> %s (%s)",
                self.instance.config.vrid,
                action.old,
                action.new,
                action.reason,
            )
            if action.new != "MASTER":
                self._later_garps.cancel()
            for callback in self._subscribers:
                callback(action)
        elif isinstance(action, act.PacketRejected):
            vrid = self.instance.config.vrid
            log.debug("[VRID %d] advert from %s dropped: %s", vrid, action.source, action.reason)
        elif isinstance(action, act.SendAdvert) and self._in_flight == 0:
            # Nothing queued before it: send now rather than a loop turn later (a raw socket
            # send does not block); the order of the actions is kept either way.
            self._send_now(action)
        else:
            self._in_flight += 1
            self._queue.put_nowait(action)

    def _send_now(self, action: act.SendAdvert) -> None:
        try:
            self._send_advert(action)
        except OSError as exc:
            log.error("[VRID %d] %s failed: %s", self.instance.config.vrid, action, exc)

    async def _work(self) -> None:
        while True:
            action = await self._queue.get()
            try:
                await self._carry_out(action)
            except OSError as exc:
                log.error("[VRID %d] %s failed: %s", self.instance.config.vrid, action, exc)
            finally:
                self._in_flight -= 1
                self._queue.task_done()

    async def _carry_out(self, action: act.Action) -> None:
        if isinstance(action, act.SendAdvert):
            self._send_advert(action)
        elif isinstance(action, act.RemoveVips | act.RemoveRoutes) and not self._release_vips:
            return
        elif isinstance(action, act.AddRoutes | act.RemoveRoutes):
            ipr = await self._rtnetlink()
            await change_routes(ipr, action.routes, isinstance(action, act.AddRoutes))
        elif isinstance(action, act.AddVips | act.RemoveVips):
            add = isinstance(action, act.AddVips)
            ipr = await self._rtnetlink()
            await self._links.change(ipr, self._with_excluded(action.addresses), add)
        elif isinstance(action, act.SendGratuitous) and action.lower_priority:
            self._later_garps.lower_priority()
        elif isinstance(action, act.SendGratuitous):
            primary = self.instance.config.primary_address
            addresses = self._with_excluded(action.addresses)
            self._links.send_gratuitous(addresses, primary, self._garp_repeat)
            if action.addresses == self.instance.config.addresses:
                self._later_garps.start()

    def _resend_gratuitous(self, repeat: int | None) -> None:
        """A later burst (``garp_master_delay`` / ``garp_master_refresh``) while master."""
        config = self.instance.config
        addresses = self._with_excluded(config.addresses)
        try:
            self._links.send_gratuitous(
                addresses, config.primary_address, repeat or self._garp_repeat
            )
        except OSError as exc:
            log.error("[VRID %d] gratuitous ARP / NA failed: %s", config.vrid, exc)

    def _with_excluded(self, addresses: tuple[IPAddress, ...]) -> tuple[IPAddress, ...]:
        """The excluded addresses go with the whole list (a transition, a refresh), not with
        a reload's added or removed ones."""
        if addresses == self.instance.config.addresses:
            return addresses + self._excluded
        return addresses

    def _send_advert(self, action: act.SendAdvert) -> None:
        config = self.instance.config
        assert self._tx is not None
        packet = VrrpPacket(
            config.version, config.vrid, action.priority, config.addresses, action.interval
        )
        group = VRRP_IPV4_GROUP if config.family == 4 else VRRP_IPV6_GROUP
        for destination in self.unicast_peers or (group,):
            if config.family == 4:
                src = config.primary_address
                data = self._checksum.encode(packet, src, destination, self._pseudo)
                if self._ttl != 255:  # the kernel fills in the header checksum (raw(7))
                    data = data[:8] + bytes((self._ttl,)) + data[9:]
                self._tx.sendto(data, (str(destination), 0))
            else:
                data = packet.to_bytes(src=config.primary_address, dst=destination)
                pktinfo = config.primary_address.packed + struct.pack("@I", self._index)
                ancillary = [(socket.IPPROTO_IPV6, _IPV6_PKTINFO, pktinfo)]
                self._tx.sendmsg([data], ancillary, 0, (str(destination), 0, 0, self._index))
