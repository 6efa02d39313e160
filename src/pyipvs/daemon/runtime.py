# SPDX-License-Identifier: Apache-2.0
"""What a keepalived process sets up around its work: logging (console, syslog, the journal),
pid files, the umask, the network namespace, detaching, and systemd's readiness protocol.

Each process logs under keepalived's syslog identity (``Keepalived``, ``Keepalived_vrrp``,
``Keepalived_healthcheckers``), so log filters written for keepalived keep working. Under
systemd (``$JOURNAL_STREAM`` set and the journal's socket present) records go to the journal
with the same ``SYSLOG_IDENTIFIER``; otherwise to ``/dev/log``. ``sd_notify`` is the systemd
datagram protocol (``sd_notify(3)``), written here rather than linked.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import logging.handlers
import os
import socket
import sys
import time
from pathlib import Path

PARENT_IDENT = "Keepalived"
JOURNAL_SOCKET = "/run/systemd/journal/socket"
SYSLOG_SOCKET = "/dev/log"
_CONSOLE_FORMAT = "%(asctime)s: %(message)s"
_CONSOLE_DATE = "%a %b %e %H:%M:%S %Y"  # keepalived's console time stamp
_CLONE_NEWNET = 0x40000000
_PR_SET_PDEATHSIG = 1

log = logging.getLogger("pyipvs.daemon")


def parse_facility(text: str) -> int | None:
    """``-S``: ``0``-``7`` or ``local0``-``local7`` (LOG_LOCALn), ``user`` or ``daemon``; None
    when keepalived would say ``Invalid log facility``."""
    number = text.removeprefix("local")
    if number.isdigit() and int(number) <= 7:
        return int(logging.handlers.SysLogHandler.LOG_LOCAL0) + int(number)
    named = {"user": logging.handlers.SysLogHandler.LOG_USER}
    named["daemon"] = logging.handlers.SysLogHandler.LOG_DAEMON
    return named.get(text)


class JournalHandler(logging.Handler):
    """Records to journald's native socket (``systemd.journal-fields(7)``), one datagram each."""

    def __init__(self, ident: str, path: str = JOURNAL_SOCKET) -> None:
        super().__init__()
        self.ident = ident
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = self.format(record).replace("\n", " ")
            priority = logging.handlers.SysLogHandler.priority_map.get(record.levelname, "info")
            level = logging.handlers.SysLogHandler.priority_names[priority]
            fields = f"MESSAGE={message}\nPRIORITY={level}\nSYSLOG_IDENTIFIER={self.ident}\n"
            pid = record.process if record.process is not None else os.getpid()
            self.sock.sendto(f"{fields}SYSLOG_PID={pid}\n".encode(), self.path)
        except OSError:
            self.handleError(record)

    def close(self) -> None:
        self.sock.close()
        super().close()


def _under_journal() -> bool:
    return bool(os.environ.get("JOURNAL_STREAM")) and Path(JOURNAL_SOCKET).exists()


def setup_logging(
    *, console: bool, detail: int, facility: int, use_syslog: bool, ident: str = PARENT_IDENT
) -> None:
    """(Re)builds the ``pyipvs`` loggers' handlers for this process under ``ident``."""
    root = logging.getLogger("pyipvs")
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    root.setLevel(logging.DEBUG if detail else logging.INFO)
    root.propagate = False
    if console:
        stream = logging.StreamHandler(sys.stderr)
        stream.setFormatter(logging.Formatter(_CONSOLE_FORMAT, _CONSOLE_DATE))
        root.addHandler(stream)
    if not use_syslog:
        return
    if _under_journal():
        root.addHandler(JournalHandler(ident))
    elif Path(SYSLOG_SOCKET).exists():
        syslog = logging.handlers.SysLogHandler(SYSLOG_SOCKET, facility=facility)
        syslog.setFormatter(logging.Formatter(f"{ident}[%(process)d]: %(message)s"))
        root.addHandler(syslog)


def write_pid(path: str, pid: int | None = None) -> bool:
    """Writes ``pid`` (default: ours) to ``path``; False (logged) when it cannot."""
    try:
        Path(path).write_text(f"{os.getpid() if pid is None else pid}\n")
    except OSError as exc:
        log.error("Unable to write pid file %s: %s", path, exc.strerror or exc)
        return False
    return True


def remove_pid(path: str, pid: int | None = None) -> None:
    """Removes ``path``; with ``pid``, only while it still names that process."""
    with contextlib.suppress(OSError):
        if pid is None or Path(path).read_text().strip() == str(pid):
            os.unlink(path)


def running_pid(path: str) -> int | None:
    """The live process named by pid file ``path`` (not us), or None."""
    try:
        pid = int(Path(path).read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    if pid <= 0 or pid == os.getpid():
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return pid
    return pid


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def enter_netns(name: str) -> None:
    """``-s NAME``: this process joins ``/run/netns/NAME`` (``ip netns``'s); OSError if not."""
    fd = os.open(f"/run/netns/{name}", os.O_RDONLY | os.O_CLOEXEC)
    try:
        if _libc().setns(fd, _CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"setns {name}: {os.strerror(err)}")
    finally:
        os.close(fd)


def die_with_parent(signum: int) -> None:
    """A child gets ``signum`` when its parent dies (``PR_SET_PDEATHSIG``), as keepalived's do."""
    _libc().prctl(_PR_SET_PDEATHSIG, signum, 0, 0, 0)


def detach() -> bool:
    """Goes to the background as keepalived's ``xdaemon``: True in the daemon, False in the
    process that started it (which should exit 0)."""
    if os.fork() > 0:
        return False
    os.setsid()
    os.chdir("/")
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)
    return True


def sd_notify(state: str) -> bool:
    """Sends ``state`` (``READY=1`` ...) to ``$NOTIFY_SOCKET``; False when there is none or it
    cannot be reached (never raises: readiness is advisory)."""
    address = os.environ.get("NOTIFY_SOCKET", "")
    if not address or not (address.startswith("/") or address.startswith("@")):
        return False
    target = "\0" + address[1:] if address.startswith("@") else address
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.sendto(state.encode(), target)
    except OSError as exc:
        log.debug("sd_notify %s: %s", address, exc)
        return False
    return True


def notify_ready() -> bool:
    return sd_notify(f"READY=1\nMAINPID={os.getpid()}")


def notify_reloading() -> bool:
    # systemd's Type=notify-reload wants the monotonic time with RELOADING=1.
    return sd_notify(f"RELOADING=1\nMONOTONIC_USEC={time.monotonic_ns() // 1000}")


def notify_stopping() -> bool:
    return sd_notify("STOPPING=1")
