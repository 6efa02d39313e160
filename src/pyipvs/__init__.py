"""pyipvs: Linux IPVS over generic netlink and VRRP, with a C core.

The public names are re-exported here; see the API reference for each module.
"""

from __future__ import annotations

from pyipvs.errors import (
    DaemonRunning,
    DestinationExists,
    InvalidArgument,
    IpvsUnavailable,
    KernelError,
    NoDaemon,
    NoSuchDestination,
    NoSuchService,
    OutOfRange,
    PermissionDenied,
    ProtocolError,
    PyipvsError,
    PyipvsValueError,
    ServiceExists,
    UnknownScheduler,
)
from pyipvs.ipvs import Ipvs, IpvsInfo
from pyipvs.model import Connection, RealServer, Stats, SyncDaemon, Timeouts, VirtualService

__version__ = "0.1.0"

__all__ = [
    "Connection",
    "DaemonRunning",
    "DestinationExists",
    "InvalidArgument",
    "Ipvs",
    "IpvsInfo",
    "IpvsUnavailable",
    "KernelError",
    "NoDaemon",
    "NoSuchDestination",
    "NoSuchService",
    "OutOfRange",
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
