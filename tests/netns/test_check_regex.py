# SPDX-License-Identifier: Apache-2.0
"""HTTP_GET / SSL_GET with a regex against a real HTTP server in a fresh namespace: the body
and (as keepalived searches it) the header block, offsets, regex_no_match, a big page."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from check_servers import PAGES, PageServer, in_netns, self_signed, serving, tls_context

from pyipvs.check import BodyRegex, HttpProbe, HttpUrl, ProbeResult, Target, TlsOptions

LO = "127.0.0.1"


def url(path: str, pattern: bytes, **settings: object) -> HttpUrl:
    return HttpUrl(path, regex=BodyRegex(re.compile(pattern), **settings))  # type: ignore[arg-type]


CASES: dict[str, tuple[HttpUrl, bool]] = {
    "body": (url("/", rb"hello from"), True),
    "absent": (url("/", rb"goodbye"), False),
    "no_match of absent": (url("/", rb"goodbye", no_match=True), True),
    "no_match of present": (url("/", rb"hello", no_match=True), False),
    "header block": (url("/raw/no-length", rb"Server: raw"), True),
    "status line": (url("/raw/no-length", rb"^HTTP/1\.0 200"), True),
    "past max offset": (url("/raw/no-length", rb"until", max_offset=10), False),
    "within offsets": (url("/raw/no-length", rb"until", min_offset=10, max_offset=40), True),
    "before min offset": (url("/raw/no-length", rb"Server", min_offset=20), False),
    # the 1 MiB random page: a pattern near its end is found (the whole response is searched)
    "end of big page": (url("/big", re.escape(PAGES["/big"][-12:])), True),
    "wrong status first": (HttpUrl("/status/404", regex=BodyRegex(re.compile(b"status"))), False),
}


def results(netns: str, tls: Path | None = None) -> dict[str, ProbeResult]:
    def body() -> dict[str, ProbeResult]:
        server = PageServer((LO, 0), tls_context(*self_signed(tls)) if tls else None)
        with serving(server) as port:
            target = Target(LO, port, connect_timeout=5)
            options = TlsOptions() if tls else None
            return {
                name: asyncio.run(HttpProbe(target, (u,), tls=options).run())
                for name, (u, _) in CASES.items()
            }

    return in_netns(netns, body)


def test_http_get_regex_verdicts(netns: str) -> None:
    found = results(netns)
    assert {n: r.ok for n, r in found.items()} == {n: ok for n, (_, ok) in CASES.items()}
    assert found["absent"].reason == "Regex match failed"
    assert found["body"].reason == "Regex match"
    assert found["wrong status first"].reason == "HTTP status code 404"


def test_ssl_get_regex_verdicts(netns: str, tmp_path: Path) -> None:
    found = results(netns, tls=tmp_path)
    assert {n: r.ok for n, r in found.items()} == {n: ok for n, (_, ok) in CASES.items()}
