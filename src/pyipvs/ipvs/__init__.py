# SPDX-License-Identifier: Apache-2.0
"""IPVS: the handle bound to one network namespace, the value objects, batch operations.

- :mod:`pyipvs.ipvs.handle`: :class:`Ipvs`, one generic-netlink socket in one namespace.
- :mod:`pyipvs.ipvs.model`: the immutable value objects (:class:`VirtualService`, ...).
- :mod:`pyipvs.ipvs.ops`: operations for :meth:`Ipvs.apply` (also importable as
  :mod:`pyipvs.ops`).
- :mod:`pyipvs.ipvs.convert`: C records <-> value objects (the only module that knows both).
- :mod:`pyipvs.ipvs.conn`: the connection table (``/proc/net/ip_vs_conn``).
- :mod:`pyipvs.ipvs.ipvsadm_syntax`: an operation spelled as an ipvsadm command line.

Names are loaded on first use (PEP 562), so the value objects come without the kernel binding.
:data:`HOMES` is the one list of them: ``pyipvs`` re-exports exactly these.
"""

from __future__ import annotations

from pyipvs._lazy import lazy_names

#: Each public name and the module it lives in.
HOMES = {
    "Connection": "pyipvs.ipvs.model",
    "RealServer": "pyipvs.ipvs.model",
    "Stats": "pyipvs.ipvs.model",
    "SyncDaemon": "pyipvs.ipvs.model",
    "Timeouts": "pyipvs.ipvs.model",
    "VirtualService": "pyipvs.ipvs.model",
    "Ipvs": "pyipvs.ipvs.handle",
    "IpvsInfo": "pyipvs.ipvs.handle",
}

TYPE_CHECKING = False  # typing is not imported at run time: start-up cost
if TYPE_CHECKING:  # the same names for type checkers (tests/unit/test_public_names.py)
    from pyipvs.ipvs.handle import Ipvs, IpvsInfo
    from pyipvs.ipvs.model import (
        Connection,
        RealServer,
        Stats,
        SyncDaemon,
        Timeouts,
        VirtualService,
    )


__getattr__, __dir__ = lazy_names("pyipvs.ipvs", HOMES, globals())

# Spelled out for type checkers, which cannot read ``sorted(HOMES)``.
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
