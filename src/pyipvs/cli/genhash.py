# SPDX-License-Identifier: Apache-2.0
"""``pyipvs-genhash``: the digest of a page, as HTTP_GET / SSL_GET ``digest`` wants it.

Same options and output as keepalived's ``genhash``: ``-s`` server (an IP address), ``-p``
port, ``-u`` url, ``-S`` TLS, ``-I`` SNI from ``-V``, ``-V`` virtualhost, ``-P`` protocol
(``1.0``, ``1.0c``, ``1.1``), ``-m`` fwmark, ``-t`` timeout, ``-v`` verbose dumps, ``-h``.
The digest is the MD5 of the raw body as keepalived's checker computes it
(:mod:`pyipvs.check.digest`). Exit statuses: 0 digest printed, 1 usage error, 2 the page
could not be fetched (genhash itself exits 0 then; see docs/reference/pyipvs-genhash.rst).
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import socket
import ssl
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NoReturn, TextIO

from pyipvs.check.connect import Target, connect_tcp
from pyipvs.check.digest import BodyDigest
from pyipvs.check.http import TlsOptions, client_context, host_header, request_bytes

EXIT_OK, EXIT_USAGE, EXIT_FETCH = 0, 1, 2
DEFAULT_TIMEOUT = 5.0  # keepalived's connect_timeout default; genhash waits forever
PROTOCOLS = {"1.0": "1.0", "1.0c": "1.0C", "1.0C": "1.0C", "1.1": "1.1"}
_READ_SIZE = 65536
_DASHES = "-" * 23
_TITLES = {  # the section rules of genhash -v, spaced as genhash spaces them
    "header": "    HTTP Header Buffer    ",
    "ascii": " HTTP Header Ascii Buffer ",
    "body": "        HTML Buffer        ",
    "hash": "    HTML hash resulting    ",
    "final": " HTML hash final resulting ",
}


def _rule(name: str) -> str:
    return f"{_DASHES}[{_TITLES[name]}]{_DASHES}\n"


USAGE = """\
Usage: pyipvs-genhash COMMAND [OPTIONS]
Commands:
   -s server-address -p port -u url
   -S -s server-address -p port -u url
   -h

Options (long or short):
   --use-ssl         -S       fetch over TLS
   --use-sni         -I       send the virtualhost (-V) as TLS server name
   --server          -s       IP address of the server
   --port            -p       TCP port of the server
   --url             -u       path to fetch
   --use-virtualhost -V       Host header to send
   --verbose         -v       dump the response and the digest
   --help            -h       print this help
   --fwmark          -m       mark the connection with this firewall mark
   --protocol        -P       HTTP protocol: '1.0', '1.0c' (1.0 with 'Connection: close'), '1.1'
   --timeout         -t       timeout in seconds (default 5)
"""


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def _parser() -> _Parser:
    parser = _Parser(prog="pyipvs-genhash", add_help=False, allow_abbrev=False)
    add = parser.add_argument
    add("-h", "--help", action="store_true")
    add("-T", "--genhash", action="store_true")  # keepalived --genhash: accepted, no effect
    add("-v", "--verbose", action="store_true")
    add("-S", "--use-ssl", action="store_true")
    add("-I", "--use-sni", action="store_true")
    add("-s", "--server")
    add("-p", "--port")
    add("-u", "--url")
    add("-V", "--use-virtualhost")
    add("-m", "--fwmark")
    add("-P", "--protocol")
    add("-t", "--timeout")
    add("rest", nargs="*")
    return parser


@dataclass(frozen=True)
class Request:
    target: Target
    url: str
    virtualhost: str | None
    protocol: str
    tls: TlsOptions | None
    verbose: bool


def parse_args(argv: Sequence[str]) -> Request | None:
    """A request, None for ``-h``; raises UsageError with genhash's wording."""
    args = _parser().parse_args(list(argv))
    if args.help or not argv:
        return None
    if args.rest:
        raise UsageError(f"Unexpected argument(s): {' '.join(args.rest)} ")
    try:
        ipaddress.ip_address(args.server or "")
    except ValueError:
        if args.server is not None:
            raise UsageError(f"server should be an IP, not {args.server}") from None
    port = _number(args.port, "port number", 1, 65535)
    fwmark = _number(args.fwmark, "fwmark", 0, 2**32 - 1)
    timeout = _number(args.timeout, "timeout", 0, 2**31)
    protocol = "1.0"
    if args.protocol is not None:
        if args.protocol not in PROTOCOLS:
            raise UsageError(f"invalid HTTP protocol version '{args.protocol}'")
        protocol = PROTOCOLS[args.protocol]
    if args.server is None or port is None or args.url is None:
        raise UsageError("")
    target = Target(
        args.server,
        port,
        fwmark=fwmark,
        connect_timeout=DEFAULT_TIMEOUT if timeout is None else float(timeout),
    )
    tls = TlsOptions(sni=args.use_sni) if args.use_ssl else None
    return Request(target, args.url, args.use_virtualhost, protocol, tls, args.verbose)


def _number(text: str | None, what: str, low: int, high: int) -> int | None:
    if text is None:
        return None
    try:
        value = int(text.strip(), 10)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise UsageError(f"invalid {what} '{text}'")
    return value


class FetchError(Exception):
    """Message printed on stdout, as genhash prints it."""


async def fetch_page(request: Request) -> BodyDigest:
    target = request.target
    try:
        sock = await connect_tcp(target)
    except TimeoutError:
        raise FetchError("Timeout connecting server") from None
    except OSError:
        raise FetchError("Connection failed") from None
    try:
        reader, writer = await _open_stream(sock, request)
    except BaseException:
        sock.close()
        raise
    try:
        host = host_header(target, request.virtualhost)
        writer.write(request_bytes(request.url, host, request.protocol))
        return await _read_all(reader, target.connect_timeout)
    finally:
        writer.close()


async def _open_stream(
    sock: socket.socket, request: Request
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    if request.tls is None:
        return await asyncio.open_connection(sock=sock)
    name = request.virtualhost if (request.tls.sni and request.virtualhost) else ""
    try:
        return await asyncio.wait_for(
            asyncio.open_connection(
                sock=sock, ssl=client_context(request.tls), server_hostname=name
            ),
            request.target.connect_timeout,
        )
    except (OSError, TimeoutError):
        raise FetchError("SSL handshake/communication error connecting to") from None


async def _read_all(reader: asyncio.StreamReader, timeout: float) -> BodyDigest:
    digest = BodyDigest(keep=True)
    while not digest.complete:
        try:
            data = await asyncio.wait_for(reader.read(_READ_SIZE), timeout)
        except TimeoutError:
            raise FetchError("Timeout WEB read") from None
        except OSError:
            raise FetchError("Connection failed") from None
        if not data:
            break
        digest.feed(data)
    return digest


def hex_dump(data: bytes, out: TextIO) -> None:
    """16 bytes a line: decimal offset, hex in two groups of 8, printable ASCII."""
    for offset in range(0, len(data), 16):
        row = data[offset : offset + 16]
        cells = [f"{b:02x} " if i < len(row) else "   " for i, b in enumerate(row.ljust(16))]
        text = "".join(chr(b) if 0x20 <= b < 0x7F else "." for b in row)
        out.write(f"{offset:04d}  {''.join(cells[:8])}- {''.join(cells[8:])}  {text:<16}\n")


def print_verbose(request: Request, page: BodyDigest, elapsed: float, out: TextIO) -> None:
    out.write(_rule("header"))
    hex_dump(page.header, out)
    out.write(_rule("ascii"))
    out.write(page.header.decode("latin-1") + "\n")
    out.write(_rule("body"))
    hex_dump(bytes(page.body), out)
    out.write("\n" + _rule("hash"))
    hex_dump(page.digest(), out)
    out.write(_rule("final"))
    out.write(page.hexdigest() + "\n\n")
    out.write(f"Global response time for [{request.url}] = {int(elapsed * 1e6)} usecs\n")


def run(request: Request, out: TextIO = sys.stdout) -> int:
    started = time.monotonic()
    try:
        page = asyncio.run(fetch_page(request))
    except FetchError as exc:
        out.write(f"{exc}\n")
        return EXIT_FETCH
    except (OSError, ssl.SSLError) as exc:
        out.write(f"Connection failed: {exc.strerror or exc}\n")
        return EXIT_FETCH
    if request.verbose:
        print_verbose(request, page, time.monotonic() - started, out)
    else:
        out.write(page.hexdigest() + "\n")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else list(argv)
    try:
        request = parse_args(arguments)
    except UsageError as exc:
        if str(exc):
            print(exc, file=sys.stderr)
        sys.stderr.write(USAGE)
        return EXIT_USAGE
    if request is None:
        sys.stderr.write(USAGE)
        return EXIT_USAGE  # genhash -h exits 1 too
    try:
        return run(request)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
