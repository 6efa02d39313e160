# SPDX-License-Identifier: Apache-2.0
"""IPVS: the handle bound to one network namespace, the value objects, batch operations.

- :mod:`pyipvs.ipvs.handle`: :class:`Ipvs`, one generic-netlink socket in one namespace.
- :mod:`pyipvs.ipvs.model`: the immutable value objects (:class:`VirtualService`, ...).
- :mod:`pyipvs.ipvs.ops`: operations for :meth:`Ipvs.apply` (also importable as
  :mod:`pyipvs.ops`).
- :mod:`pyipvs.ipvs.convert`: C records <-> value objects (the only module that knows both).
- :mod:`pyipvs.ipvs.conn`: the connection table (``/proc/net/ip_vs_conn``).

Names are loaded on first use (PEP 562), so the value objects come without the kernel binding.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyipvs._lazy import lazy_names

_HOME = {
    "Connection": "pyipvs.ipvs.model",
    "RealServer": "pyipvs.ipvs.model",
    "Stats": "pyipvs.ipvs.model",
    "SyncDaemon": "pyipvs.ipvs.model",
    "Timeouts": "pyipvs.ipvs.model",
    "VirtualService": "pyipvs.ipvs.model",
    "Ipvs": "pyipvs.ipvs.handle",
    "IpvsInfo": "pyipvs.ipvs.handle",
}

if TYPE_CHECKING:
    from pyipvs.ipvs.handle import Ipvs, IpvsInfo
    from pyipvs.ipvs.model import (
        Connection,
        RealServer,
        Stats,
        SyncDaemon,
        Timeouts,
        VirtualService,
    )


__getattr__, __dir__ = lazy_names("pyipvs.ipvs", _HOME, globals())


__all__ = [
    "Connection",
    "Ipvs",
    "IpvsInfo",
    "RealServer",
    "Stats",
    "SyncDaemon",
    "Timeouts",
    "VirtualService",
]
