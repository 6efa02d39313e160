# SPDX-License-Identifier: Apache-2.0
"""The listing commands (``-L``/``-l`` in every form, ``-S``) on a session's handle, through
:mod:`~pyipvs.cli.ipvsadm.format` or :mod:`~pyipvs.cli.ipvsadm.jsondoc`. Imported only by a
command that lists: a change never pays for the formatters."""

from __future__ import annotations

from collections.abc import Sequence

from pyipvs.cli.ipvsadm import conn as ipvsadm_conn
from pyipvs.cli.ipvsadm import fastlist, jsondoc
from pyipvs.cli.ipvsadm import format as fmt_mod
from pyipvs.cli.ipvsadm import rules as ipvsadm_model
from pyipvs.cli.ipvsadm.format import Format, sort_servers, sort_services
from pyipvs.cli.ipvsadm.messages import ipvs_strerror
from pyipvs.cli.ipvsadm.options import CliExit, Invocation
from pyipvs.cli.ipvsadm.session import Session
from pyipvs.errors import KernelError
from pyipvs.ipvs.model import RealServer, VirtualService

CONN_PROC_FILE = "/proc/net/ip_vs_conn"


def list_command(session: Session, inv: Invocation) -> None:
    """``-L``: the table, one service, the timeouts, the daemons or the connections."""
    if inv.has("connection"):
        _list_connections(session, inv)
    elif inv.has("service-address"):
        _list_service(session, inv)
    elif inv.has("timeout"):
        _list_timeouts(session, inv)
    elif inv.has("daemon"):
        _list_daemons(session, inv)
    else:
        list_all(session, inv, rule=False)


def list_all(session: Session, inv: Invocation, rule: bool) -> None:
    fmt = _format(inv, rule)
    info = session.info if not rule else None
    if fastlist.applies(fmt) and not inv.json and info is not None:
        header = fmt_mod.version_line(info.version, info.conn_table_size)
        session.stdout.write(fastlist.listing(session.ipvs.table_records(), fmt, header))
        return
    # Every service with its real servers, in the kernel's order (one dump per service,
    # driven from C).
    table = list(session.ipvs.table().items())
    if inv.json:
        rows = _ordered(table, fmt)
        version = info.version if info else None
        size = info.conn_table_size if info else None
        session.stdout.write(jsondoc.services_document(rows, version, size))
        return
    header = fmt_mod.version_line(info.version, info.conn_table_size) if info else ""
    session.stdout.write(fmt_mod.listing(table, fmt, header))


def _list_service(session: Session, inv: Invocation) -> None:
    fmt = _format(inv, rule=False)
    try:
        vs = session.ipvs.get_service(ipvsadm_model.virtual_service(inv.service))
        servers = list(session.ipvs.real_servers(vs))
    except KernelError as exc:
        raise CliExit(1, ipvs_strerror("list", exc.errno or 0) + "\n") from None
    if inv.json:
        document = jsondoc.services_document(_ordered([(vs, servers)], fmt), None, None)
        session.stdout.write(document)
        return
    session.stdout.write(fmt_mod.title(fmt) + fmt_mod.service_block(vs, servers, fmt))


def _list_timeouts(session: Session, inv: Invocation) -> None:
    t = session.ipvs.timeouts()
    if inv.json:
        session.stdout.write(jsondoc.timeouts_document(t))
        return
    session.stdout.write(fmt_mod.timeouts_line(t))


def _list_daemons(session: Session, inv: Invocation) -> None:
    daemons = list(session.ipvs.sync_daemons())
    if inv.json:
        session.stdout.write(jsondoc.daemons_document(daemons))
        return
    session.stdout.write("".join(fmt_mod.daemon_line(d) for d in daemons))


def _list_connections(session: Session, inv: Invocation) -> None:
    try:
        connections = session.ipvs.connections()
    except OSError:
        raise CliExit(1, f"cannot open file {CONN_PROC_FILE}\n") from None
    if inv.json:
        session.stdout.write(jsondoc.connections_document(ipvsadm_conn.rows(connections)))
        return
    numeric, persistent = inv.has("numeric"), inv.has("persistent-conn")
    session.stdout.write(ipvsadm_conn.format_connections(connections, numeric, persistent))


def _format(inv: Invocation, rule: bool) -> Format:
    return Format(
        numeric=inv.has("numeric"),
        rule=rule,
        stats=inv.has("stats"),
        rate=inv.has("rate"),
        thresholds=inv.has("thresholds"),
        persistent_conn=inv.has("persistent-conn"),
        nosort=inv.has("nosort"),
        exact=inv.has("exact"),
        tun_info=inv.has("tun-info"),
    )


def _ordered(
    table: Sequence[tuple[VirtualService, list[RealServer]]], fmt: Format
) -> list[tuple[VirtualService, list[RealServer]]]:
    rows = list(table)
    if fmt.nosort:
        return rows
    index = {id(vs): i for i, (vs, _) in enumerate(rows)}
    ordered = [rows[index[id(vs)]] for vs in sort_services([vs for vs, _ in rows])]
    return [(vs, sort_servers(servers)) for vs, servers in ordered]
