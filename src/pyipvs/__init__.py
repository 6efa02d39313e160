# SPDX-License-Identifier: Apache-2.0
"""pyipvs: Linux IPVS over generic netlink and VRRP, with a C core.

The public names are re-exported here; see the API reference for each module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyipvs._lazy import lazy_names

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
    LocalError,
    NoDaemon,
    NoSuchDestination,
    NoSuchService,
    OutcomeUnknown,
    OutOfRange,
    PermissionDenied,
    ProtocolError,
    PyipvsError,
    PyipvsValueError,
    RemoteError,
    ServiceExists,
    UnknownScheduler,
)

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


__getattr__, __dir__ = lazy_names("pyipvs", _HOME, globals())


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
    "LocalError",
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
    "RemoteError",
    "ServiceExists",
    "Stats",
    "SyncDaemon",
    "Timeouts",
    "UnknownScheduler",
    "VirtualService",
    "__version__",
]
