# SPDX-License-Identifier: Apache-2.0
"""From a parsed ipvsadm command line to pyipvs value objects and operations."""

from __future__ import annotations

import errno

from pyipvs.cli.ipvsadm.options import Fail, Invocation, ServerSpec, ServiceSpec
from pyipvs.errors import PyipvsValueError
from pyipvs.ipvs import ops
from pyipvs.ipvs.model import RealServer, SyncDaemon, Timeouts, VirtualService

_SERVICES: dict[tuple[object, ...], VirtualService] = {}


def virtual_service(spec: ServiceSpec) -> VirtualService:
    """The service as ipvsadm sends it (scheduler ``wlc`` when none was given).

    Value objects are immutable, so equal specs share one (a restore names each service once
    per real server; building it once saves most of the validation cost).
    """
    key = (
        spec.protocol,
        spec.address,
        spec.port,
        spec.fwmark,
        spec.family,
        spec.scheduler,
        spec.persistence,
        spec.netmask,
        spec.one_packet,
        spec.sched_flags,
        spec.pe_name,
    )
    cached = _SERVICES.get(key)
    if cached is None:
        cached = _SERVICES[key] = _build_service(spec)
    return cached


def _build_service(spec: ServiceSpec) -> VirtualService:
    common = {
        "scheduler": spec.scheduler or "wlc",
        "persistence_timeout": spec.persistence,
        "netmask": spec.netmask,
        "one_packet": spec.one_packet,
        "sched_flags": frozenset(spec.sched_flags),
        "pe_name": spec.pe_name,
    }
    if spec.fwmark:
        return VirtualService(fwmark=spec.fwmark, family=spec.family, **common)  # type: ignore[arg-type]
    return VirtualService(spec.protocol, spec.address, spec.port, **common)  # type: ignore[arg-type]


def real_server(spec: ServerSpec) -> RealServer:
    assert spec.address is not None
    return RealServer(
        spec.address,
        spec.port,
        weight=spec.weight,
        forward=spec.forward,
        upper_threshold=spec.upper_threshold,
        lower_threshold=spec.lower_threshold,
        tunnel_type=spec.tunnel_type,
        tunnel_port=spec.tunnel_port,
        tunnel_checksum=spec.tunnel_checksum,
    )


def operation(inv: Invocation) -> ops.Operation | None:
    """The batched operation for a table-changing command, or None for the others.

    :raises Fail: a value the kernel would take but pyipvs's model refuses (a non-contiguous
        IPv4 persistence mask): reported like ipvsadm's own bad-mask error.
    :raises ModelRefused: another value the model refuses; the caller prints the error the
        kernel would have given (``errno``) and carries on.
    """
    try:
        return _operation(inv)
    except PyipvsValueError as exc:
        argument = str(exc).split(":", 1)[0]
        if argument == "netmask":
            raise Fail("illegal virtual server persistent mask specified") from None
        code = errno.ENOENT if argument in ("scheduler", "pe_name") else errno.EINVAL
        raise ModelRefused(code) from None


class ModelRefused(Exception):
    """The model refused a value; ``errno`` is what the kernel answers to such a request."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.errno = code


def _operation(inv: Invocation) -> ops.Operation | None:
    command = inv.command
    if command == "flush":
        return ops.Flush()
    if command == "set":
        tcp, tcp_fin, udp = inv.timeouts
        return ops.SetTimeouts(Timeouts(tcp, tcp_fin, udp))
    if command == "zero":
        return ops.Zero(virtual_service(inv.service) if inv.has("service-address") else None)
    service_ops: dict[str, type[ops.AddService | ops.EditService | ops.DeleteService]] = {
        "add-service": ops.AddService,
        "edit-service": ops.EditService,
        "delete-service": ops.DeleteService,
    }
    if command in service_ops:
        return service_ops[command](virtual_service(inv.service))
    server_ops: dict[str, type[ops.AddRealServer | ops.EditRealServer | ops.DeleteRealServer]] = {
        "add-server": ops.AddRealServer,
        "edit-server": ops.EditRealServer,
        "delete-server": ops.DeleteRealServer,
    }
    if command in server_ops:
        return server_ops[command](virtual_service(inv.service), real_server(inv.server))
    return None


def sync_daemon(inv: Invocation) -> SyncDaemon:
    d = inv.daemon
    return SyncDaemon(
        d.state,
        d.interface,
        d.syncid,
        maxlen=d.maxlen,
        mcast_group=d.mcast_group,
        mcast_port=d.mcast_port,
        mcast_ttl=d.mcast_ttl,
    )
