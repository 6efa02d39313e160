# SPDX-License-Identifier: Apache-2.0
"""pyipvs: Linux IPVS over generic netlink and VRRP, with a C core.

The public names are re-exported here, each listed once where it lives: every exception of
:mod:`pyipvs.errors` (its ``__all__``) and the IPVS names of :mod:`pyipvs.ipvs` (its
``HOMES``); see the API reference for each module.
"""

from __future__ import annotations

from pyipvs import errors as _errors
from pyipvs import ipvs as _ipvs
from pyipvs._lazy import lazy_names

# The errors are cheap and always loaded. The rest is loaded on first use (PEP 562), so a
# command that needs only part of the package (``pyipvsadm -h``, ``pyipvs-keepalived -t``) does
# not pay for the kernel binding.
from pyipvs.errors import *  # noqa: F403

TYPE_CHECKING = False  # typing is not imported at run time: start-up cost
if TYPE_CHECKING:
    from pyipvs.ipvs import *  # noqa: F403

__getattr__, __dir__ = lazy_names("pyipvs", _ipvs.HOMES, globals())

__version__ = "0.1.0"

__all__ = ["__version__"]
__all__ += _errors.__all__
__all__ += _ipvs.__all__
