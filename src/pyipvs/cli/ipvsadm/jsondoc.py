# SPDX-License-Identifier: Apache-2.0
"""``--json``: pyipvsadm's machine-readable listings (schema version 1, documented in
docs/reference/pyipvsadm.rst). Keys are only ever added, never renamed or removed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from pyipvs.cli.ipvsadm.format import sched_flags_text

if TYPE_CHECKING:
    from pyipvs.ipvs.model import RealServer, Stats, SyncDaemon, Timeouts, VirtualService

SCHEMA_VERSION = 1
STATS_FIELDS = (
    "connections",
    "packets_in",
    "packets_out",
    "bytes_in",
    "bytes_out",
    "cps",
    "pps_in",
    "pps_out",
    "bps_in",
    "bps_out",
)


def stats_object(stats: Stats | None) -> dict[str, int]:
    return {name: (getattr(stats, name) if stats is not None else 0) for name in STATS_FIELDS}


def service_object(vs: VirtualService, servers: Sequence[RealServer]) -> dict[str, Any]:
    flags = sched_flags_text(vs)
    return {
        "family": vs.family,
        "protocol": vs.protocol,
        "address": str(vs.address) if vs.address is not None else None,
        "port": vs.port,
        "fwmark": vs.fwmark,
        "scheduler": vs.scheduler,
        "sched_flags": flags.split(",") if flags else [],
        "persistent": vs.persistence_timeout is not None,
        "persistence_timeout": vs.persistence_timeout,
        "netmask": str(vs.netmask) if vs.netmask is not None else None,
        "pe_name": vs.pe_name,
        "one_packet": vs.one_packet,
        "stats": stats_object(vs.stats),
        "real_servers": [server_object(rs) for rs in servers],
    }


def server_object(rs: RealServer) -> dict[str, Any]:
    return {
        "family": rs.family,
        "address": str(rs.address),
        "port": rs.port,
        "forward": rs.forward,
        "weight": rs.weight,
        "upper_threshold": rs.upper_threshold,
        "lower_threshold": rs.lower_threshold,
        "active_connections": rs.active_connections,
        "inactive_connections": rs.inactive_connections,
        "persistent_connections": rs.persistent_connections,
        "tunnel_type": rs.tunnel_type if rs.forward == "tunnel" else None,
        "tunnel_port": rs.tunnel_port if rs.forward == "tunnel" else None,
        "tunnel_checksum": rs.tunnel_checksum if rs.forward == "tunnel" else None,
        "stats": stats_object(rs.stats),
    }


def dump(obj: dict[str, Any]) -> str:
    return json.dumps({"schema": SCHEMA_VERSION, **obj}, indent=2, sort_keys=False) + "\n"


def services_document(
    table: Iterable[tuple[VirtualService, Sequence[RealServer]]],
    version: str | None,
    conn_table_size: int | None,
) -> str:
    doc: dict[str, Any] = {}
    if version is not None:
        doc["version"] = version
        doc["conn_table_size"] = conn_table_size
    doc["services"] = [service_object(vs, servers) for vs, servers in table]
    return dump(doc)


def timeouts_document(t: Timeouts) -> str:
    return dump({"timeouts": {"tcp": t.tcp, "tcp_fin": t.tcp_fin, "udp": t.udp}})


def daemons_document(daemons: Iterable[SyncDaemon]) -> str:
    return dump(
        {
            "daemons": [
                {
                    "state": d.state,
                    "interface": d.interface,
                    "syncid": d.syncid,
                    "maxlen": d.maxlen,
                    "mcast_group": str(d.mcast_group) if d.mcast_group is not None else None,
                    "mcast_port": d.mcast_port,
                    "mcast_ttl": d.mcast_ttl,
                }
                for d in daemons
            ]
        }
    )


def connections_document(rows: list[dict[str, str | int]]) -> str:
    return dump({"connections": rows})
