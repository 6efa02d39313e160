# SPDX-License-Identifier: Apache-2.0
"""Desired IPVS table vs the kernel's live one -> the fewest operations, in a safe order.

Pure: the caller lists the kernel (:meth:`pyipvs.Ipvs.services` / ``real_servers``), says which
entries it owns, and applies the result with :meth:`pyipvs.Ipvs.apply`. The live table, not
the previous configuration, is the reference, so an entry someone deleted behind our back is
added again and a changed weight, scheduler or flag is edited in place.

Ownership: entries outside ``owned`` are never edited or deleted (another tool's services,
or real servers someone added by hand to one of ours); ``lvs_flush`` is the caller's opt-in to
own everything. Order: new services, edited services, then per service real server deletes,
edits and adds, and last the deletion of services no longer wanted (which takes their real
servers with it, so those are not deleted one by one).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from pyipvs import RealServer, VirtualService
from pyipvs.daemon.check.pool import (
    server_key as server_key,  # re-exported: its users import it here
)
from pyipvs.errors import InconsistentListing
from pyipvs.ipvs import ops

ServiceKey = tuple[object, ...]
ServerKey = tuple[object, ...]


def service_key(vs: VirtualService) -> ServiceKey:
    """What names a service in the kernel: protocol, address, port, or fwmark; and family."""
    return (vs.fwmark, vs.family, vs.protocol, vs.address, vs.port)


def _service_config(vs: VirtualService) -> tuple[object, ...]:
    return (
        vs.scheduler,
        vs.persistence_timeout,
        vs.netmask,
        vs.one_packet,
        vs.sched_flags,
        vs.pe_name,
    )


def _server_config(rs: RealServer) -> tuple[object, ...]:
    return (
        rs.weight,
        rs.forward,
        rs.upper_threshold,
        rs.lower_threshold,
        rs.tunnel_type,
        rs.tunnel_port,
        rs.tunnel_checksum,
    )


@dataclass(frozen=True)
class Owned:
    """Entries this process manages: whole services, and real servers of services."""

    services: frozenset[ServiceKey] = frozenset()
    servers: frozenset[tuple[ServiceKey, ServerKey]] = frozenset()
    everything: bool = False  # lvs_flush: every entry of the table is ours

    def owns_service(self, key: ServiceKey) -> bool:
        return self.everything or key in self.services

    def owns_server(self, vs: ServiceKey, rs: ServerKey) -> bool:
        return self.everything or (vs, rs) in self.servers


@dataclass
class LiveTable:
    """A checked listing: services by key, and each one's real servers by key."""

    services: dict[ServiceKey, VirtualService] = field(default_factory=dict)
    servers: dict[ServiceKey, dict[ServerKey, RealServer]] = field(default_factory=dict)


def check_listing(
    listing: Iterable[tuple[VirtualService, Sequence[RealServer]]],
) -> LiveTable:
    """Indexes a listing; raises :class:`~pyipvs.errors.InconsistentListing` on a repeated key
    (a decision must not be made on such a listing: list again)."""
    table = LiveTable()
    for vs, servers in listing:
        key = service_key(vs)
        if key in table.services:
            raise InconsistentListing(f"service {key}", 1)
        table.services[key] = vs
        by_key: dict[ServerKey, RealServer] = {}
        for rs in servers:
            rkey = server_key(rs)
            if rkey in by_key:
                raise InconsistentListing(f"real server {rkey} of service {key}", 1)
            by_key[rkey] = rs
        table.servers[key] = by_key
    return table


def owned_from(desired: Mapping[VirtualService, Sequence[RealServer]]) -> Owned:
    """Ownership of exactly the entries of ``desired``."""
    services = frozenset(service_key(vs) for vs in desired)
    servers = frozenset(
        (service_key(vs), server_key(rs)) for vs, rss in desired.items() for rs in rss
    )
    return Owned(services, servers)


def reconcile(
    desired: Mapping[VirtualService, Sequence[RealServer]],
    live: LiveTable,
    owned: Owned,
) -> list[ops.Operation]:
    """The operations that turn ``live`` into ``desired`` without touching what is not owned.

    ``owned`` must cover ``desired`` (``owned_from(desired)`` plus entries once desired that
    should now go, e.g. a real server removed from the configuration or a service being
    stopped)."""
    adds: list[ops.Operation] = []
    edits: list[ops.Operation] = []
    per_service: list[ops.Operation] = []
    for vs, servers in desired.items():
        key = service_key(vs)
        current = live.services.get(key)
        if current is None:
            adds.append(ops.AddService(vs))
        elif _service_config(current) != _service_config(vs):
            edits.append(ops.EditService(vs))
        per_service += _servers_ops(vs, servers, live.servers.get(key, {}), owned)
    wanted = {service_key(vs) for vs in desired}
    deletes: list[ops.Operation] = [
        ops.DeleteService(live.services[key])
        for key in live.services
        if owned.owns_service(key) and key not in wanted
    ]
    return adds + edits + per_service + deletes


def _servers_ops(
    vs: VirtualService,
    servers: Sequence[RealServer],
    live: Mapping[ServerKey, RealServer],
    owned: Owned,
) -> list[ops.Operation]:
    key = service_key(vs)
    wanted = {server_key(rs): rs for rs in servers}
    removals: list[ops.Operation] = [
        ops.DeleteRealServer(vs, rs)
        for rkey, rs in live.items()
        if rkey not in wanted and owned.owns_server(key, rkey)
    ]
    changes: list[ops.Operation] = []
    additions: list[ops.Operation] = []
    for rkey, rs in wanted.items():
        current = live.get(rkey)
        if current is None:
            additions.append(ops.AddRealServer(vs, rs))
        elif _server_config(current) != _server_config(rs):
            changes.append(ops.EditRealServer(vs, rs))
    # Removals first: a service at its connection limit gets room before servers are added.
    return removals + changes + additions
