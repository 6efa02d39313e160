"""pyipvs: Linux IPVS over generic netlink and VRRP, with a C core.

The public names are re-exported here; see the API reference for each module.
"""

from __future__ import annotations

from pyipvs.errors import (
    IpvsUnavailable,
    KernelError,
    PermissionDenied,
    ProtocolError,
    PyipvsError,
    PyipvsValueError,
)
from pyipvs.ipvs import Ipvs, IpvsInfo

__version__ = "0.1.0"

__all__ = [
    "Ipvs",
    "IpvsInfo",
    "IpvsUnavailable",
    "KernelError",
    "PermissionDenied",
    "ProtocolError",
    "PyipvsError",
    "PyipvsValueError",
    "__version__",
]
