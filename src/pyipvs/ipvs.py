"""The IPVS handle: one generic-netlink socket bound to one network namespace."""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass
from types import TracebackType

from pyipvs._bindings import ipvs as _ipvs
from pyipvs._bindings import netlink as _nl
from pyipvs.errors import IpvsUnavailable, KernelError, PyipvsValueError

IPVS_FAMILY_NAME = "IPVS"

UNAVAILABLE_MESSAGE = (
    "IPVS is not available in this kernel: the generic netlink family 'IPVS' is not "
    "registered. Load the ip_vs module (modprobe ip_vs) or use a kernel built with CONFIG_IP_VS."
)


@dataclass(frozen=True)
class IpvsInfo:
    """What IPVS_CMD_GET_INFO reports.

    :ivar version_code: ``IP_VS_VERSION_CODE``, e.g. ``0x010201``.
    :ivar conn_table_size: size of the connection hash table (4096 by default).
    """

    version_code: int
    conn_table_size: int

    @property
    def version(self) -> str:
        """The version as ipvsadm prints it, e.g. ``"1.2.1"``."""
        code = self.version_code
        return f"{(code >> 16) & 0xFF}.{(code >> 8) & 0xFF}.{code & 0xFF}"


class Ipvs:
    """A handle on the kernel's IPVS tables in one network namespace.

    :param netns: ``None`` for the caller's namespace, an ``ip netns`` name, or a path to a
        namespace file (e.g. ``/proc/1234/ns/net``).
    :raises IpvsUnavailable: the kernel has no ``ip_vs``.
    :raises PermissionDenied: (later, on the first command) the caller lacks CAP_NET_ADMIN.

    Use it as a context manager, or call :meth:`close`.
    """

    family_name = IPVS_FAMILY_NAME

    def __init__(self, netns: str | os.PathLike[str] | None = None) -> None:
        self._sock = self._open_socket(netns)
        try:
            self._family = _nl.resolve_family(self._sock, self.family_name)
        except KernelError as exc:
            self._sock.close()
            if exc.errno == errno.ENOENT:
                raise IpvsUnavailable(errno.ENOENT, UNAVAILABLE_MESSAGE) from None
            raise

    @staticmethod
    def _open_socket(netns: str | os.PathLike[str] | None) -> _nl.NetlinkSocket:
        if netns is None:
            return _nl.NetlinkSocket()
        try:
            fd = _nl.open_netns(netns)
        except OSError as exc:
            raise PyipvsValueError(
                f"netns: cannot open {os.fspath(netns)!r}: {exc.strerror}"
            ) from None
        try:
            return _nl.NetlinkSocket(netns_fd=fd)
        finally:
            os.close(fd)

    @property
    def family(self) -> _nl.GenlFamily:
        """The IPVS generic-netlink family as the kernel registered it (id, version, ops)."""
        return self._family

    def info(self) -> IpvsInfo:
        """The IPVS version and connection table size (IPVS_CMD_GET_INFO)."""
        version, size = _ipvs.get_info(self._sock, self._family.id)
        return IpvsInfo(version_code=version, conn_table_size=size)

    def close(self) -> None:
        """Closes the netlink socket; the handle is unusable afterwards."""
        self._sock.close()

    @property
    def closed(self) -> bool:
        return self._sock.closed

    def __enter__(self) -> Ipvs:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


__all__ = ["Ipvs", "IpvsInfo"]
