# SPDX-License-Identifier: Apache-2.0
"""The page digest of HTTP_GET / SSL_GET and genhash, computed on the bytes as received.

keepalived hashes the *raw* bytes that follow the first blank line of the response
(``\\r\\n\\r\\n``); when the header block contains ``Content-Length:`` (that spelling, case
sensitive) it stops after that many bytes. Nothing is decoded: with ``Transfer-Encoding:
chunked`` the chunk-size lines and the final ``0\\r\\n\\r\\n`` are hashed too (lib/html.c,
check_http.c). The algorithm is MD5. This class is fed the bytes of the socket as they come,
so it agrees with genhash whatever an HTTP library would make of the body.
"""

from __future__ import annotations

import hashlib
import re

_HEADER_END = b"\r\n\r\n"
_CONTENT_LENGTH = re.compile(rb"Content-Length:[ \t]*(\d+)")


class BodyDigest:
    """``keep=True`` also keeps the header block and the hashed body (for genhash -v)."""

    def __init__(self, *, keep: bool = False) -> None:
        self._md5 = hashlib.md5(usedforsecurity=False)
        self._head = bytearray()
        self._keep = keep
        self.header = b""
        self.body = bytearray()
        self._in_body = False
        self._remaining: int | None = None  # bytes left to hash when Content-Length was given
        self.body_bytes = 0

    @property
    def complete(self) -> bool:
        """True once Content-Length bytes of body were hashed (never for other framings)."""
        return self._remaining == 0

    def feed(self, data: bytes) -> None:
        if not self._in_body:
            self._head += data
            end = self._head.find(_HEADER_END)
            if end < 0:
                return
            self._in_body = True
            header = bytes(self._head[:end])
            if self._keep:
                self.header = bytes(self._head[: end + len(_HEADER_END)])
            found = _CONTENT_LENGTH.search(header)
            if found:
                self._remaining = int(found.group(1))
            data = bytes(self._head[end + len(_HEADER_END) :])
            self._head.clear()
        if self._remaining is not None:
            data = data[: self._remaining]
            self._remaining -= len(data)
        self.body_bytes += len(data)
        self._md5.update(data)
        if self._keep:
            self.body += data

    @property
    def headers_done(self) -> bool:
        return self._in_body

    def digest(self) -> bytes:
        return self._md5.digest()

    def hexdigest(self) -> str:
        return self._md5.hexdigest()


def page_digest(response: bytes) -> str:
    """The digest of a whole raw response (status line, headers, body)."""
    digest = BodyDigest()
    digest.feed(response)
    return digest.hexdigest()
