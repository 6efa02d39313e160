# SPDX-License-Identifier: Apache-2.0
"""Which HTTP client for HTTP_GET / SSL_GET: h11 over asyncio streams, aiohttp, httpx.

Each check is a fresh connection (keepalived sends ``Connection: close``), a GET, the whole
body read. A server process on loopback answers a fixed page; the client process runs N checks
with C in flight and reports checks per second and client CPU per 1,000 checks.

    .venv/bin/python benchmarks/checker_http_clients.py [--checks 3000] [--concurrency 100]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import socket
import time

BODY = b"x" * 2048
RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s" % (
    len(BODY),
    BODY,
)


def serve(sock: socket.socket) -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(RESPONSE)
        await writer.drain()
        writer.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, sock=sock, backlog=4096)
        await server.serve_forever()

    asyncio.run(main())


async def with_h11(port: int) -> None:
    from pyipvs.check import Target, fetch

    response = await fetch(Target("127.0.0.1", port, connect_timeout=5), "/", protocol="1.1")
    assert response.status == 200


async def with_aiohttp(port: int, session: object) -> None:
    async with session.get(f"http://127.0.0.1:{port}/") as response:  # type: ignore[attr-defined]
        await response.read()
        assert response.status == 200


async def with_httpx(port: int, client: object) -> None:
    response = await client.get(f"http://127.0.0.1:{port}/")  # type: ignore[attr-defined]
    assert response.status_code == 200


async def measure(name: str, port: int, checks: int, concurrency: int) -> dict[str, float]:
    slots = asyncio.Semaphore(concurrency)
    context: object = None
    if name == "aiohttp":
        import aiohttp

        context = aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True, limit=0))
    elif name == "httpx":
        import httpx

        context = httpx.AsyncClient(limits=httpx.Limits(max_keepalive_connections=0))

    async def one() -> None:
        async with slots:
            if name == "h11":
                await with_h11(port)
            elif name == "aiohttp":
                await with_aiohttp(port, context)
            else:
                await with_httpx(port, context)

    wall, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(one() for _ in range(checks)))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if context is not None:
        await context.close() if name == "aiohttp" else await context.aclose()  # type: ignore[attr-defined]
    return {"checks_per_s": checks / wall, "cpu_ms_per_1000": cpu / checks * 1e6}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--checks", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--json")
    args = parser.parse_args()
    sock = socket.create_server(("127.0.0.1", 0), backlog=4096)
    port = sock.getsockname()[1]
    server = multiprocessing.Process(target=serve, args=(sock,), daemon=True)
    server.start()
    rows = []
    try:
        for name in ("h11", "aiohttp", "httpx"):
            result = asyncio.run(measure(name, port, args.checks, args.concurrency))
            rows.append({"tool": name, **result})
    finally:
        server.terminate()
    print(f"{'client':<10}{'checks/s':>12}{'client CPU ms / 1000 checks':>30}")
    for row in rows:
        print(f"{row['tool']:<10}{row['checks_per_s']:>12.0f}{row['cpu_ms_per_1000']:>30.0f}")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(rows, handle, indent=2)


if __name__ == "__main__":
    main()
