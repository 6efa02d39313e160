# SPDX-License-Identifier: Apache-2.0
"""What a single ``pyipvsadm -A`` imports: the standard-library modules left out of its path
on purpose (issue 16, start-up cost) stay out, and the operations' class constants, no longer
annotated ``ClassVar`` at run time, are still not dataclass fields."""

from __future__ import annotations

import dataclasses
import ipaddress
import subprocess
import sys

from pyipvs.ipvs import ops
from pyipvs.ipvs.model import RealServer, Timeouts, VirtualService

# typing: annotations only (TYPE_CHECKING = False); socket.py: cstrings uses _socket;
# threading: the nest encoders' scratch buffer subclasses _thread._local.
_KEPT_OUT = ("typing", "socket", "threading", "subprocess")


def test_the_add_path_imports_none_of_the_modules_kept_out() -> None:
    probe = (
        "import sys\n"
        "import pyipvs.cli.ipvsadm.main, pyipvs.cli.ipvsadm.commands\n"
        f"print(sorted(set({_KEPT_OUT!r}) & set(sys.modules)))\n"
    )
    loaded = subprocess.run(
        [sys.executable, "-I", "-c", probe], check=True, capture_output=True, text=True
    ).stdout
    assert loaded.strip() == "[]"


def test_operation_constants_are_not_fields() -> None:
    vs = VirtualService(protocol="tcp", address=ipaddress.ip_address("10.1.1.1"), port=80)
    rs = RealServer(address=ipaddress.ip_address("10.2.2.2"), port=80)
    names = {
        cls: tuple(f.name for f in dataclasses.fields(cls))
        for cls in (ops.AddService, ops.DeleteRealServer, ops.Zero, ops.Flush, ops.SetTimeouts)
    }
    assert names == {
        ops.AddService: ("vs",),
        ops.DeleteRealServer: ("vs", "rs"),
        ops.Zero: ("vs",),
        ops.Flush: (),
        ops.SetTimeouts: ("timeouts",),
    }
    assert (ops.AddService.nest, ops.DeleteService.nest) == (0, 1)
    assert ops.AddRealServer(vs, rs) == dataclasses.replace(ops.AddRealServer(vs, rs))
    assert ops.SetTimeouts(Timeouts(1, 2, 3)).action == "set_timeouts"
