# SPDX-License-Identifier: Apache-2.0
"""One pyipvsadm process: the IPVS handle (opened on first use, as ipvsadm's ``ipvs_init``)
and the streams every command writes to."""

from __future__ import annotations

import contextlib
import sys

from pyipvs.cli.ipvsadm.messages import ipvs_strerror
from pyipvs.cli.ipvsadm.options import CliExit
from pyipvs.errors import IpvsUnavailable, KernelError
from pyipvs.ipvs.handle import Ipvs, IpvsInfo

INIT_FAILURE = (
    "Can't initialize ipvs: {}\nAre you sure that IP Virtual Server is built in the kernel or "
    "as module?\n"
)
MODPROBE = "/sbin/modprobe"

TYPE_CHECKING = False  # typing is not imported at run time: start-up cost
if TYPE_CHECKING:
    from typing import Protocol, TextIO

    class Failure(Protocol):
        """What a command's error reports: a kernel error, or the errno the model stands in for."""

        @property
        def errno(self) -> int | None: ...


class Session:
    """The lazily opened handle and the output streams of one pyipvsadm run."""

    def __init__(
        self,
        program: str,
        stdout: TextIO,
        stderr: TextIO,
        stdin: TextIO | None = None,
        ipvs: Ipvs | None = None,
    ) -> None:
        self.program = program
        self.stdin = stdin if stdin is not None else sys.stdin
        self.stdout = stdout
        self.stderr = stderr
        self._ipvs = ipvs
        self._info: IpvsInfo | None = None

    @property
    def ipvs(self) -> Ipvs:
        if self._ipvs is None:
            self._ipvs, self._info = open_ipvs()
        return self._ipvs

    @property
    def info(self) -> IpvsInfo:
        """GET_INFO's answer: the one the handle was opened with (a listing does not ask the
        kernel again), or asked now of a handle given by the caller."""
        ipvs = self.ipvs
        if self._info is None:
            self._info = ipvs.info()
        return self._info

    def close(self) -> None:
        if self._ipvs is not None:
            self._ipvs.close()

    def report(self, command: str, error: Failure | None) -> int:
        """0 for no error; else ipvsadm's message for it on stderr and -1 (its convention)."""
        if error is None:
            return 0
        self.stderr.write(ipvs_strerror(command, error.errno or 0) + "\n")
        return -1


def open_ipvs() -> tuple[Ipvs, IpvsInfo]:
    """ipvsadm's ``ipvs_init``: open the family and ask for the IPVS info (every IPVS command,
    GET_INFO included, needs CAP_NET_ADMIN, so a user without it stops here as with ipvsadm);
    on failure run modprobe once, then give up with exit 2 and ``ipvs_strerror``'s text."""
    try:
        return _init()
    except KernelError:
        pass
    _modprobe_ip_vs()
    try:
        return _init()
    except IpvsUnavailable:
        raise CliExit(2, INIT_FAILURE.format("Protocol not available")) from None
    except KernelError as exc:
        raise CliExit(2, INIT_FAILURE.format(ipvs_strerror("init", exc.errno or 0))) from None


def _init() -> tuple[Ipvs, IpvsInfo]:
    ipvs = Ipvs()
    try:
        return ipvs, ipvs.info()
    except BaseException:
        ipvs.close()
        raise


def _modprobe_ip_vs() -> None:
    import subprocess  # only on this failure path: most runs never need it

    with contextlib.suppress(OSError):
        subprocess.run([MODPROBE, "--", "ip_vs"], check=False, capture_output=True)
