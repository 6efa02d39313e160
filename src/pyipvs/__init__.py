"""pyipvs: Linux IPVS over generic netlink and VRRP, with a C core.

The public names are re-exported here; see the API reference for each module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

# The errors are cheap and always loaded. The rest is loaded on first use (PEP 562), so a
# command that needs only part of the package (``pyipvsadm -h``, ``pyipvs-keepalived -t``) does
# not pay for the kernel binding.
from pyipvs.errors import (
    BatchInterrupted,
    DaemonRunning,
    DestinationExists,
    InconsistentListing,
    InvalidArgument,
    IpvsUnavailable,
    KernelError,
    NoDaemon,
    NoSuchDestination,
    NoSuchService,
    OutcomeUnknown,
    OutOfRange,
    PermissionDenied,
    ProtocolError,
    PyipvsError,
    PyipvsValueError,
    ServiceExists,
    UnknownScheduler,
)

_HOME = {
    "Connection": "pyipvs.model",
    "RealServer": "pyipvs.model",
    "Stats": "pyipvs.model",
    "SyncDaemon": "pyipvs.model",
    "Timeouts": "pyipvs.model",
    "VirtualService": "pyipvs.model",
    "Ipvs": "pyipvs.ipvs",
    "IpvsInfo": "pyipvs.ipvs",
}

if TYPE_CHECKING:
    from pyipvs.ipvs import Ipvs, IpvsInfo
    from pyipvs.model import Connection, RealServer, Stats, SyncDaemon, Timeouts, VirtualService


def __getattr__(name: str) -> object:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'pyipvs' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__version__ = "0.1.0"

__all__ = [
    "BatchInterrupted",
    "Connection",
    "DaemonRunning",
    "DestinationExists",
    "InconsistentListing",
    "InvalidArgument",
    "Ipvs",
    "IpvsInfo",
    "IpvsUnavailable",
    "KernelError",
    "NoDaemon",
    "NoSuchDestination",
    "NoSuchService",
    "OutOfRange",
    "OutcomeUnknown",
    "PermissionDenied",
    "ProtocolError",
    "PyipvsError",
    "PyipvsValueError",
    "RealServer",
    "ServiceExists",
    "Stats",
    "SyncDaemon",
    "Timeouts",
    "UnknownScheduler",
    "VirtualService",
    "__version__",
]
