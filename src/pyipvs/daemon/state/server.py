# SPDX-License-Identifier: Apache-2.0
"""The live state API: one JSON document per connection on a Unix socket.

A client connects, the server writes one document (UTF-8 JSON, one line) and closes; nothing
is read from the client. The VRRP child serves ``vrrp.sock``, the checker child
``check.sock``, both in :data:`DEFAULT_STATUS_DIR` (or the directory given), owned by the
daemon's user and mode 0600. keepalived writes state to files on a signal and exporters scrape
them (keepalived issues #1731, #1296, #2001, #2673); here the state is read live, and
:func:`read_status` is the whole client. The schema is documented field by field in
``docs/reference/status-api.rst``; :data:`SCHEMA` changes when a field changes meaning.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import logging
import os
import socket
import stat
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from pyipvs.errors import RemoteError

log = logging.getLogger("pyipvs.daemon")

SCHEMA = 1
DEFAULT_STATUS_DIR = "/run/pyipvs-keepalived"
#: Overrides :data:`DEFAULT_STATUS_DIR` for the daemon and ``--status`` alike.
STATUS_DIR_ENV = "PYIPVS_KEEPALIVED_STATUS_DIR"
VRRP_SOCKET = "vrrp.sock"
CHECK_SOCKET = "check.sock"
_MAX_DOCUMENT = 64 << 20  # a client refuses more than this (a runaway or foreign server)

Snapshot = Callable[[], dict[str, Any]]


class StatusUnavailable(RemoteError, OSError):
    """No status could be read from a socket: the daemon is not running, not answering, or
    answered something that is not a status document. ``str()`` says which, naming the path;
    ``errno`` is set."""

    def __str__(self) -> str:
        return str(self.strerror)


def status_dir(directory: str | os.PathLike[str] | None = None) -> Path:
    """The status directory: *directory*, else ``$PYIPVS_KEEPALIVED_STATUS_DIR``, else
    :data:`DEFAULT_STATUS_DIR`."""
    if directory is not None:
        return Path(directory)
    return Path(os.environ.get(STATUS_DIR_ENV) or DEFAULT_STATUS_DIR)


def document(
    *,
    vrrp: Mapping[str, Any] | None = None,
    checkers: Mapping[str, Any] | None = None,
    ipvs: Mapping[str, Any] | None = None,
    clock: Callable[[], float] = time.time,
) -> dict[str, Any]:
    """The envelope: schema version, time, host and pid around the sections this process has
    (a section it does not have is ``null``)."""
    return {
        "schema": SCHEMA,
        "generated": clock(),
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "vrrp": None if vrrp is None else dict(vrrp),
        "checkers": None if checkers is None else dict(checkers),
        "ipvs": None if ipvs is None else dict(ipvs),
    }


class StatusServer:
    """Serves ``snapshot()`` as JSON to every client of the Unix socket at *path*.

    :param path: the socket's path; its directory is created (mode 0755) if missing, a stale
        socket left by a dead process is replaced.
    :param snapshot: called once per client, on the event loop; returns the document
        (:func:`document`). It must be quick: it runs between adverts or checks.
    """

    def __init__(self, path: str | os.PathLike[str], snapshot: Snapshot) -> None:
        self.path = Path(path)
        #: the document function, also for keepalived's dump signals
        self.snapshot = snapshot
        self._server: asyncio.AbstractServer | None = None
        self.served = 0

    async def start(self) -> None:
        """Listens. The socket is bound under a temporary name, made 0600, then renamed into
        place: no client ever sees it with wider permissions.

        :raises OSError: the directory cannot be made or the socket bound.
        """
        self.path.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
        _remove_stale(self.path)
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}")
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.bind(str(temporary))
            os.chmod(temporary, 0o600)
            os.rename(temporary, self.path)
            sock.listen(64)
            sock.setblocking(False)
        except OSError:
            sock.close()
            with contextlib.suppress(FileNotFoundError):
                temporary.unlink()
            raise
        loop = asyncio.get_running_loop()
        self._server = await loop.create_unix_server(self._protocol, sock=sock)

    async def close(self) -> None:
        """Stops listening and removes the socket."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    def _protocol(self) -> asyncio.Protocol:
        return _OneDocument(self)

    def encoded(self) -> bytes:
        """One document as the socket sends it: compact JSON and a newline. A snapshot that
        raises is logged and answered with ``{"schema": 1, "error": ...}``."""
        self.served += 1
        try:
            text = json.dumps(self.snapshot(), separators=(",", ":"), allow_nan=False)
        except Exception as exc:  # a provider bug must not kill the daemon: say it, serve that
            log.exception("status snapshot failed")
            text = json.dumps({"schema": SCHEMA, "error": f"snapshot failed: {type(exc).__name__}"})
        return text.encode() + b"\n"


class _OneDocument(asyncio.Protocol):
    """Writes the document as the client connects, then closes: no task, no stream."""

    def __init__(self, server: StatusServer) -> None:
        self._server = server

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.WriteTransport)
        transport.write(self._server.encoded())  # buffered by the loop if the client is slow
        transport.close()  # after the buffer is flushed


def _remove_stale(path: Path) -> None:
    """Removes a socket nobody listens on; refuses to replace a live one or a non-socket."""
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISSOCK(mode):
        raise OSError(errno.EEXIST, f"{path}: exists and is not a socket")
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(str(path))
    except OSError:
        path.unlink()  # refused or gone: stale
        return
    finally:
        probe.close()
    raise OSError(errno.EADDRINUSE, f"{path}: another process is serving status there")


def read_status(path: str | os.PathLike[str], *, timeout: float = 5.0) -> dict[str, Any]:
    """Reads one status document from the socket at *path*.

    :raises StatusUnavailable: nothing listens there (the daemon is not running), access is
        denied, it did not answer within *timeout* seconds, or the answer is not a document.
    """
    where = os.fspath(path)
    data = bytearray()
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(where)
            while chunk := sock.recv(1 << 16):
                data += chunk
                if len(data) > _MAX_DOCUMENT:
                    raise StatusUnavailable(errno.EMSGSIZE, f"{where}: answer too large")
    except StatusUnavailable:
        raise
    except TimeoutError:
        raise StatusUnavailable(errno.ETIMEDOUT, f"{where}: no answer in {timeout:g} s") from None
    except OSError as exc:
        raise StatusUnavailable(exc.errno or errno.EIO, f"{where}: {_why(exc)}") from None
    return _parsed(where, bytes(data))


def _why(exc: OSError) -> str:
    if exc.errno in (errno.ENOENT, errno.ECONNREFUSED):
        return "not running (nothing listens on this socket)"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied (the status sockets are root's, mode 0600)"
    return exc.strerror or str(exc)


def _parsed(where: str, data: bytes) -> dict[str, Any]:
    try:
        value = json.loads(data)
    except (UnicodeDecodeError, ValueError):
        raise StatusUnavailable(errno.EPROTO, f"{where}: the answer is not JSON") from None
    if not isinstance(value, dict) or not isinstance(value.get("schema"), int):
        raise StatusUnavailable(errno.EPROTO, f"{where}: not a status document") from None
    return value
