# SPDX-License-Identifier: Apache-2.0
"""Real servers for the checker tests, run inside a test's own network namespace.

:func:`in_netns` runs a function on a thread that has entered the namespace: every socket it
makes (servers, probes) lives there, and threads it starts stay there. The HTTP, TLS and SMTP
servers are the standard library's and aiosmtpd's; the DNS responder answers with messages
built by dnspython. Misbehaviour (hang, reset, slow, wrong status) is on purpose.
"""

from __future__ import annotations

import contextlib
import datetime
import http.server
import os
import socket
import socketserver
import ssl
import struct
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import dns.message
import dns.rcode

T = TypeVar("T")

PAGES = {
    "/": b"<html>hello from the real server</html>\n",
    "/big": os.urandom(1 << 20),
    "/empty": b"",
}


# Responses written byte for byte, for framings the standard library would not produce.
RAW_RESPONSES = {
    "/raw/lowercase-length": b"HTTP/1.0 200 OK\r\ncontent-length: 3\r\n\r\nabcdef",
    "/raw/short-length": b"HTTP/1.0 200 OK\r\nContent-Length: 4\r\n\r\nabcdefgh",
    "/raw/no-length": b"HTTP/1.0 200 OK\r\nServer: raw\r\n\r\nuntil the end\n",
    "/raw/lf-only": b"HTTP/1.0 200 OK\nServer: raw\n\nbody after bare LFs\n",
}


def in_netns(netns: str, function: Callable[[], T]) -> T:
    outcome: dict[str, object] = {}

    def body() -> None:
        try:
            _enter(netns)
            outcome["value"] = function()
        except BaseException as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=body)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]


_CLONE_NEWNET = 0x40000000


def _enter(netns: str) -> None:
    """setns(2) for this thread only (os.setns needs Python 3.12)."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(f"/run/netns/{netns}", os.O_RDONLY)
    try:
        if libc.setns(fd, _CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns")
    finally:
        os.close(fd)


class PageHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def date_time_string(self, timestamp: float | None = None) -> str:
        return "Thu, 03 Dec 2026 00:00:00 GMT"  # fixed: responses compare byte for byte

    def do_GET(self) -> None:
        path = self.path
        self.server.requests.append((path, self.headers.get("Host")))  # type: ignore[attr-defined]
        if path == "/hang":
            time.sleep(30)
            return
        if path == "/reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            return
        if path in RAW_RESPONSES:
            self.wfile.write(RAW_RESPONSES[path])
            self.close_connection = True
            return
        if path == "/slow":
            time.sleep(2)
        if path == "/chunked":
            self._chunked([b"first chunk\n", b"x" * 3000, b"last\n"])
            return
        if path.startswith("/status/"):
            self._send(int(path.rsplit("/", 1)[1]), b"status page\n")
            return
        if path == "/vhost":
            self._send(200, f"vhost={self.headers.get('Host')}\n".encode())
            return
        body = PAGES.get(path.removesuffix("/slow") or "/", PAGES["/"])
        self._send(200, body)

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    def _chunked(self, chunks: list[bytes]) -> None:
        self.send_response(200)
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Connection", "close")
        self.end_headers()
        for chunk in chunks:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        self.wfile.write(b"0\r\n\r\n")
        self.close_connection = True


class PageServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], tls: ssl.SSLContext | None = None) -> None:
        super().__init__(address, PageHandler)
        self.requests: list[tuple[str, str | None]] = []
        if tls is not None:
            self.socket = tls.wrap_socket(self.socket, server_side=True)


@contextlib.contextmanager
def serving(server: socketserver.BaseServer) -> Iterator[int]:
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield server.server_address[1]  # type: ignore[index]
    finally:
        server.shutdown()
        server.server_close()


def self_signed(directory: Path, name: str = "rs.example") -> tuple[Path, Path]:
    """A fresh self-signed certificate and key (cryptography), written as PEM files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def tls_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


class DnsResponder(socketserver.ThreadingUDPServer):
    """Answers every query with ``rcode`` (dnspython builds the reply), or not at all."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], rcode: int | None = dns.rcode.NOERROR) -> None:
        self.rcode = rcode
        super().__init__(address, _DnsHandler)


class _DnsHandler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        data, sock = self.request
        server: DnsResponder = self.server  # type: ignore[assignment]
        if server.rcode is None:
            return
        query = dns.message.from_wire(data)
        reply = dns.message.make_response(query)
        reply.set_rcode(server.rcode)
        sock.sendto(reply.to_wire(), self.client_address)


class UdpEcho(socketserver.ThreadingUDPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], prefix: bytes = b"") -> None:
        self.prefix = prefix
        super().__init__(address, _EchoHandler)


class _EchoHandler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        data, sock = self.request
        sock.sendto(self.server.prefix + data, self.client_address)  # type: ignore[attr-defined]


class LineServer(socketserver.ThreadingTCPServer):
    """Says ``greeting`` and answers each line with ``answer`` (an SMTP server that refuses),
    or with ``hang`` accepts and says nothing."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], greeting: bytes, answer: bytes = b"") -> None:
        self.greeting, self.answer = greeting, answer
        super().__init__(address, _LineHandler)


class _LineHandler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        server: LineServer = self.server  # type: ignore[assignment]
        if not server.greeting:
            time.sleep(30)
            return
        self.wfile.write(server.greeting)
        for _line in self.rfile:
            if server.answer:
                self.wfile.write(server.answer)


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
