# SPDX-License-Identifier: Apache-2.0
"""Status servers for the tests that read them: real :class:`StatusServer` objects on an
event loop in a thread, so blocking clients (``read_status``, ``status_main``) can call them."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pyipvs.daemon.state.server import StatusServer


@contextlib.contextmanager
def serving(servers: dict[Path, Any]) -> Iterator[None]:
    """Runs a StatusServer per path on a loop in a thread while the body runs."""
    loop = asyncio.new_event_loop()
    running = [StatusServer(path, snapshot) for path, snapshot in servers.items()]

    async def main() -> None:
        for server in running:
            await server.start()

    thread = threading.Thread(target=loop.run_forever)
    thread.start()
    asyncio.run_coroutine_threadsafe(main(), loop).result(10)
    try:
        yield
    finally:

        async def stop() -> None:
            for server in running:
                await server.close()

        asyncio.run_coroutine_threadsafe(stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()
