# SPDX-License-Identifier: Apache-2.0
"""HTTP_GET and SSL_GET: fetch each ``url`` and judge its status code and body digest.

The request is keepalived's own (check_http.c): ``GET <path> HTTP/1.0|1.1``, ``User-Agent:
KeepAliveClient``, ``Connection: close`` for ``1.0C`` and ``1.1``, and ``Host:`` the
virtualhost or ``ip:port`` (IPv6 bracketed). The response is parsed by h11 (status, headers,
framing, truncation), while the digest is taken over the raw bytes as keepalived does it (see
:mod:`pyipvs.check.digest`). docs/guide/checkers.rst says why h11 and not aiohttp or httpx.
"""

from __future__ import annotations

import asyncio
import functools
import ssl
from dataclasses import dataclass

import h11

from pyipvs.check.connect import Target, connect_tcp, failure_reason
from pyipvs.check.digest import BodyDigest
from pyipvs.check.regex import BodyRegex, regex_matched
from pyipvs.check.result import ProbeResult, failed
from pyipvs.check.verdicts import http_verdict

PROTOCOLS = ("1.0", "1.0C", "1.1")
_READ_SIZE = 65536


@dataclass(frozen=True)
class HttpUrl:
    path: str = "/"
    digest: str | None = None
    status_code: tuple[tuple[int, int], ...] = ()
    virtualhost: str | None = None
    regex: BodyRegex | None = None
    # set when the configuration's regex was refused: the url fails, it is never guessed
    refused: str | None = None


@dataclass(frozen=True)
class TlsOptions:
    """Client side of SSL_GET: keepalived's global ``SSL { ca certificate key password }``.
    ``certificate``/``key``/``password`` are presented to the server. ``verify`` None checks the
    server's certificate against ``ca`` when one is given; keepalived 2.2.7 never checks it
    (check_ssl.c sets no SSL_VERIFY_PEER), which the daemon asks for with ``verify=False``.
    ``sni`` sends the virtualhost as server name (``enable_sni``)."""

    ca: str | None = None
    certificate: str | None = None
    key: str | None = None
    password: str | None = None
    sni: bool = False
    verify: bool | None = None


@dataclass(frozen=True)
class HttpResponse:
    status: int
    digest: str
    body_bytes: int
    raw: bytes = b""  # the whole response as received, kept only when asked (regex)


def request_bytes(path: str, host: str, protocol: str = "1.0") -> bytes:
    """keepalived's request template; ``protocol`` is ``1.0``, ``1.0C`` or ``1.1``."""
    version = "1.1" if protocol == "1.1" else "1.0"
    close = "Connection: close\r\n" if protocol in ("1.0C", "1.1") else ""
    return (
        f"GET {path} HTTP/{version}\r\nUser-Agent: KeepAliveClient\r\n{close}Host: {host}\r\n\r\n"
    ).encode("latin-1")


def host_header(target: Target, virtualhost: str | None) -> str:
    if virtualhost:
        return virtualhost
    address = f"[{target.address}]" if ":" in target.address else target.address
    return f"{address}:{target.port}"


@functools.lru_cache(maxsize=64)
def client_context(options: TlsOptions) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    verify = bool(options.ca) if options.verify is None else options.verify
    if options.ca:
        context.load_verify_locations(options.ca)
    elif verify:
        context.load_default_certs()
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if options.certificate:
        context.load_cert_chain(options.certificate, options.key, options.password)
    return context


async def fetch(
    target: Target,
    path: str,
    *,
    virtualhost: str | None = None,
    protocol: str = "1.0",
    tls: TlsOptions | None = None,
    keep_raw: bool = False,
) -> HttpResponse:
    """One GET; raises OSError, TimeoutError or h11.RemoteProtocolError."""
    sock = await connect_tcp(target)
    timeout = target.connect_timeout
    try:
        if tls is not None:
            server_name = virtualhost if (tls.sni and virtualhost) else ""
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(
                    sock=sock, ssl=client_context(tls), server_hostname=server_name
                ),
                timeout,
            )
        else:
            reader, writer = await asyncio.open_connection(sock=sock)
    except BaseException:
        sock.close()
        raise
    try:
        host = host_header(target, virtualhost)
        writer.write(request_bytes(path, host, protocol))
        return await _read_response(reader, timeout, path, host, keep_raw)
    finally:
        writer.close()


async def _read_response(
    reader: asyncio.StreamReader, timeout: float, path: str, host: str, keep_raw: bool
) -> HttpResponse:
    parser = h11.Connection(h11.CLIENT)
    parser.send(h11.Request(method="GET", target=path, headers=[("Host", host)]))
    digest = BodyDigest()
    status: int | None = None
    raw = bytearray()
    while True:
        event = parser.next_event()
        if event is h11.NEED_DATA:
            data = await asyncio.wait_for(reader.read(_READ_SIZE), timeout)
            digest.feed(data)
            if keep_raw:
                raw += data
            parser.receive_data(data)
        elif isinstance(event, h11.Response):
            status = event.status_code
        elif isinstance(event, (h11.EndOfMessage, h11.ConnectionClosed)):
            break
    if status is None:
        raise h11.RemoteProtocolError("connection closed before a response")
    return HttpResponse(status, digest.hexdigest(), digest.body_bytes, bytes(raw))


@dataclass(frozen=True)
class HttpProbe:
    """HTTP_GET (``tls`` None) or SSL_GET. Every url must pass."""

    target: Target
    urls: tuple[HttpUrl, ...] = (HttpUrl(),)
    protocol: str = "1.0"
    virtualhost: str | None = None
    tls: TlsOptions | None = None

    @property
    def kind(self) -> str:
        return "HTTP_GET" if self.tls is None else "SSL_GET"

    async def run(self) -> ProbeResult:
        result = failed("no url")
        for url in self.urls:
            result = await self.run_url(url)
            if not result.ok:
                break
        return result

    async def run_url(self, url: HttpUrl) -> ProbeResult:
        if url.refused is not None:
            return failed(url.refused)
        try:
            response = await fetch(
                self.target,
                url.path,
                virtualhost=url.virtualhost or self.virtualhost,
                protocol=self.protocol,
                tls=self.tls,
                keep_raw=url.regex is not None,
            )
        except (OSError, TimeoutError, ssl.SSLError) as exc:
            return failed(failure_reason(exc))
        except h11.RemoteProtocolError as exc:
            return failed(f"HTTP protocol error: {exc}")
        return http_verdict(
            response.status,
            response.digest,
            status_ranges=url.status_code,
            expected_digest=url.digest,
            regex_found=_regex_found(url.regex, response.raw),
            regex_no_match=url.regex is not None and url.regex.no_match,
        )


def _regex_found(regex: BodyRegex | None, raw: bytes) -> bool | None:
    if regex is None:
        return None
    return regex_matched(regex.compiled, raw, regex.min_offset, regex.max_offset)
