# SPDX-License-Identifier: Apache-2.0
"""The opt-in Prometheus endpoint: ``GET /metrics`` over HTTP/1.1, one request per
connection, on 127.0.0.1 unless told otherwise (the metrics name every address of the load
balancer, so exposing them is a decision to make, not a default).

The snapshot may be a plain function (run on the loop, as the status sockets' are) or a
coroutine function, e.g. :func:`read_children`, which reads both children's sockets off the
loop: the endpoint can live in the parent and serve the whole daemon.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import signal
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from pyipvs.daemon.state.metrics import exposition

log = logging.getLogger("pyipvs.daemon")

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 9650
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_HEAD_LIMIT = 8192
_READ_TIMEOUT = 5.0

MetricsSnapshot = Callable[[], dict[str, Any] | Awaitable[dict[str, Any]]]


async def read_children(directory: Path) -> dict[str, Any]:
    """Both children's documents merged (without reading the kernel: the checker's own
    ``ipvs`` section is used), read in a thread."""
    from pyipvs.daemon.state.view import gather

    return await asyncio.to_thread(gather, directory, read_ipvs=False)


class MetricsServer:
    """Serves :func:`~pyipvs.daemon.state.metrics.exposition` of ``snapshot()`` at ``/metrics``.

    :param snapshot: returns a status document (or an awaitable of one).
    :param host: the address to listen on (default 127.0.0.1).
    :param port: the TCP port (default 9650; 0 picks a free one, see :attr:`port`).
    """

    def __init__(
        self, snapshot: MetricsSnapshot, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT
    ) -> None:
        self._snapshot = snapshot
        self.host = host
        self.port = port
        self._server: asyncio.AbstractServer | None = None

    async def start(self) -> None:
        """Listens; :attr:`port` is the bound port afterwards.

        :raises OSError: the address cannot be bound.
        """
        self._server = await asyncio.start_server(self._serve, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), _READ_TIMEOUT)
            status, body = await self._answer(head)
            writer.write(_response(status, body))
            await writer.drain()
        except (
            asyncio.IncompleteReadError,
            asyncio.LimitOverrunError,
            asyncio.TimeoutError,  # not yet the builtin TimeoutError on Python 3.10
            ConnectionError,
        ):
            pass  # a client that sent no full request gets nothing
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await writer.wait_closed()

    async def _answer(self, head: bytes) -> tuple[str, bytes]:
        request = head[:_HEAD_LIMIT].split(b"\r\n", 1)[0].split()
        if len(request) != 3 or not request[2].startswith(b"HTTP/1."):
            return "400 Bad Request", b"bad request\n"
        method, target = request[0], request[1].split(b"?", 1)[0]
        if target != b"/metrics":
            return "404 Not Found", b"try /metrics\n"
        if method not in (b"GET", b"HEAD"):
            return "405 Method Not Allowed", b"GET only\n"
        try:
            result = self._snapshot()
            doc = await result if inspect.isawaitable(result) else result
            text = exposition(doc)
        except Exception:  # a provider bug: say so to the scraper, keep serving
            log.exception("metrics snapshot failed")
            return "500 Internal Server Error", b"snapshot failed\n"
        body = text.encode()
        return "200 OK", b"" if method == b"HEAD" else body


def _response(status: str, body: bytes) -> bytes:
    content_type = CONTENT_TYPE if status.startswith("200") else "text/plain; charset=utf-8"
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + body


async def serve_metrics(
    directory: Path, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT
) -> None:
    """Serves both children's metrics (read from their sockets in *directory*) until
    SIGTERM or SIGINT."""
    server = MetricsServer(lambda: read_children(directory), host, port)
    await server.start()
    log.info("Prometheus metrics on http://%s:%d/metrics", host, server.port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        await server.close()


def metrics_child(directory: Path, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> int:
    """The entry of a process (e.g. a third child of the supervisor) that serves the metrics:
    0 after SIGTERM, 1 when the address cannot be bound (logged)."""
    try:
        asyncio.run(serve_metrics(directory, host, port))
    except OSError as exc:
        log.error("metrics: cannot listen on %s:%d: %s", host, port, exc.strerror or exc)
        return 1
    return 0
