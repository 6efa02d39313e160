# SPDX-License-Identifier: Apache-2.0
"""How pyipvsadm reports failures, as ipvsadm does.

The exceptions say how ipvsadm reports each kind (message, stream, exit status) and whether a
``-R`` restore goes on after it. :func:`ipvs_strerror` is the text for a kernel error:
libipvs's ``ipvs_strerror``, keyed by command; libipvs matches (function, errno) first and then
errno alone; anything else is ``strerror``.
"""

from __future__ import annotations

import errno
import os

# ---- how failures are reported ----


class CliExit(Exception):
    """Stop with ``status`` after writing ``text`` to stderr (or stdout when ``to_stdout``)."""

    def __init__(self, status: int, text: str, *, to_stdout: bool = False) -> None:
        super().__init__(text)
        self.status = status
        self.text = text
        self.to_stdout = to_stdout


class Fail(CliExit):
    """ipvsadm's ``fail()``: message + newline on stderr, exit 2; aborts a restore too."""

    def __init__(self, message: str) -> None:
        super().__init__(2, message + "\n")


class TryHelp(CliExit):
    """ipvsadm's ``tryhelp_exit``: exit 255; aborts a restore too."""

    def __init__(self, program: str) -> None:
        super().__init__(255, f"Try `{program} -h' or '{program} --help' for more information.\n")


class LineError(Exception):
    """A popt scan error: printed, the command returns -1, a restore goes on."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


class HelpRequested(Exception):
    """``-h``: the usage text goes to stdout, exit 0."""


class VersionRequested(Exception):
    """``-v``: the version line goes to stdout, exit 0."""


# ---- kernel errors ----

_BY_COMMAND: dict[tuple[str, int], str] = {
    ("add-service", errno.EEXIST): "Service already exists",
    ("add-service", errno.ENOENT): "Scheduler or persistence engine not found",
    ("edit-service", errno.ESRCH): "No such service",
    ("edit-service", errno.ENOENT): "Scheduler or persistence engine not found",
    ("delete-service", errno.ESRCH): "No such service",
    ("zero", errno.ESRCH): "No such service",
    ("add-server", errno.ESRCH): "Service not defined",
    ("edit-server", errno.ESRCH): "Service not defined",
    ("delete-server", errno.ESRCH): "Service not defined",
    ("add-server", errno.EEXIST): "Destination already exists",
    ("edit-server", errno.ENOENT): "No such destination",
    ("delete-server", errno.ENOENT): "No such destination",
    ("start-daemon", errno.EEXIST): "Daemon has already run",
    ("stop-daemon", errno.ESRCH): "No daemon is running",
    ("list", errno.ESRCH): "No such service",
}

_ANY_COMMAND: dict[int, str] = {
    errno.EPERM: "Permission denied (you must be root)",
    errno.EINVAL: "Invalid operation.  Possibly wrong module version, address not unicast, ...",
    errno.ENOPROTOOPT: "Protocol not available",
    errno.ENOMEM: "Memory allocation problem",
    errno.EOPNOTSUPP: "Operation not supported with IPv6",
    errno.EAFNOSUPPORT: "Operation not supported with specified address family",
    errno.EMSGSIZE: "Module is wrong version",
}


def ipvs_strerror(command: str, code: int) -> str:
    """What ipvsadm prints when ``command`` fails with ``code`` (an errno value)."""
    text = _BY_COMMAND.get((command, code)) or _ANY_COMMAND.get(code)
    return text if text is not None else os.strerror(code)
