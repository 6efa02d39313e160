# SPDX-License-Identifier: Apache-2.0
"""Every checker against real servers in a fresh network namespace (verdicts only; timeouts
are exercised with generous margins and never timed)."""

from __future__ import annotations

import asyncio
import hashlib
import socket
import sys
from collections.abc import Awaitable, Mapping
from pathlib import Path
from typing import TypeVar

import dns.rcode
from check_servers import (
    PAGES,
    DnsResponder,
    LineServer,
    PageServer,
    UdpEcho,
    free_port,
    in_netns,
    self_signed,
    serving,
    tls_context,
)

from pyipvs.check import (
    DnsProbe,
    FileProbe,
    HttpProbe,
    HttpUrl,
    MiscProbe,
    PingProbe,
    Probe,
    ProbeResult,
    SmtpProbe,
    Target,
    TcpProbe,
    TlsOptions,
    UdpProbe,
    fetch,
)

T = TypeVar("T")
LO = "127.0.0.1"


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def run(awaitable: Awaitable[T]) -> T:
    async def main() -> T:
        return await awaitable

    return asyncio.run(main())


def target(port: int, timeout: float = 5.0) -> Target:
    return Target(LO, port, connect_timeout=timeout)


def test_tcp_check(netns: str) -> None:
    def body() -> tuple[ProbeResult, ProbeResult, ProbeResult]:
        listener = socket.create_server((LO, 0))
        port = listener.getsockname()[1]
        up = run(TcpProbe(target(port)).run())
        bound = run(TcpProbe(Target(LO, port, bindto="127.0.0.2", connect_timeout=5)).run())
        listener.close()
        down = run(TcpProbe(target(port)).run())
        return up, bound, down

    up, bound, down = in_netns(netns, body)
    assert up.ok and bound.ok
    assert not down.ok and down.reason == "connection refused"


def test_tcp_check_times_out_on_an_address_that_drops(netns: str) -> None:
    def body() -> ProbeResult:
        import subprocess

        subprocess.run(["ip", "route", "add", "blackhole", "198.51.100.0/24"], check=True)
        return run(TcpProbe(Target("198.51.100.7", 80, connect_timeout=0.3)).run())

    result = in_netns(netns, body)
    assert not result.ok


def http_results(
    netns: str, probes: dict[str, HttpProbe], tls: bool = False, tmp: Path | None = None
) -> tuple[dict[str, ProbeResult], PageServer]:
    def body() -> tuple[dict[str, ProbeResult], PageServer]:
        context = tls_context(*self_signed(tmp)) if tls and tmp else None
        server = PageServer((LO, 0), context)
        with serving(server) as port:
            results = {}
            for name, probe in probes.items():
                results[name] = run(
                    HttpProbe(
                        target(port, probe.target.connect_timeout),
                        probe.urls,
                        probe.protocol,
                        probe.virtualhost,
                        probe.tls,
                    ).run()
                )
        return results, server

    return in_netns(netns, body)


def url_probe(
    *urls: HttpUrl,
    timeout: float = 5.0,
    tls: TlsOptions | None = None,
    protocol: str = "1.0",
    virtualhost: str | None = None,
) -> HttpProbe:
    return HttpProbe(target(0, timeout), urls, protocol, virtualhost, tls)


HTTP_CASES = {
    "ok": (url_probe(HttpUrl("/")), True),
    "digest": (url_probe(HttpUrl("/", digest=md5(PAGES["/"]))), True),
    "wrong digest": (url_probe(HttpUrl("/", digest=md5(b"other"))), False),
    "big digest": (url_probe(HttpUrl("/big", digest=md5(PAGES["/big"]))), True),
    "empty": (url_probe(HttpUrl("/empty", digest=md5(b""))), True),
    "404": (url_probe(HttpUrl("/status/404")), False),
    "404 wanted": (url_probe(HttpUrl("/status/404", status_code=((404, 404),))), True),
    "500": (url_probe(HttpUrl("/status/500")), False),
    "302 in range": (url_probe(HttpUrl("/status/302", status_code=((300, 399),))), True),
    "all urls must pass": (url_probe(HttpUrl("/"), HttpUrl("/status/503")), False),
    "slow within timeout": (url_probe(HttpUrl("/slow"), timeout=10), True),
    "slow past timeout": (url_probe(HttpUrl("/slow"), timeout=0.3), False),
    "hang": (url_probe(HttpUrl("/hang"), timeout=0.3), False),
    "reset": (url_probe(HttpUrl("/reset")), False),
    "chunked": (url_probe(HttpUrl("/chunked"), protocol="1.1"), True),
    "http 1.0C": (url_probe(HttpUrl("/"), protocol="1.0C"), True),
}


def test_http_get_verdicts(netns: str) -> None:
    probes = {name: probe for name, (probe, _) in HTTP_CASES.items()}
    results, _server = http_results(netns, probes)
    verdicts = {name: result.ok for name, result in results.items()}
    assert verdicts == {name: ok for name, (_, ok) in HTTP_CASES.items()}
    assert "digest" in results["wrong digest"].reason


def test_http_get_sends_the_virtualhost(netns: str) -> None:
    vhost = "www.example.test"
    probes = {
        "plain": url_probe(HttpUrl("/vhost")),
        "probe vhost": url_probe(HttpUrl("/vhost"), virtualhost=vhost),
        "url vhost": url_probe(HttpUrl("/vhost", virtualhost="u.example"), virtualhost=vhost),
    }
    results, server = http_results(netns, probes)
    assert all(r.ok for r in results.values())
    hosts = [host for path, host in server.requests if path == "/vhost"]
    assert hosts[0] is not None and hosts[0].startswith(f"{LO}:")
    assert hosts[1:] == [vhost, "u.example"]


def test_http_digest_of_chunked_page_covers_the_framing(netns: str) -> None:
    def body() -> str:
        with serving(PageServer((LO, 0))) as port:
            return run(fetch(target(port), "/chunked", protocol="1.1")).digest

    chunks = [b"first chunk\n", b"x" * 3000, b"last\n"]
    raw = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks) + b"0\r\n\r\n"
    assert in_netns(netns, body) == md5(raw)


def test_ssl_get_against_a_self_signed_server(netns: str, tmp_path: Path) -> None:
    insecure = TlsOptions()
    other_ca = tmp_path / "other"
    other_ca.mkdir()
    self_signed(other_ca, "someone.else")
    verified = TlsOptions(ca=str(tmp_path / "cert.pem"))
    probes = {
        "ok": url_probe(HttpUrl("/", digest=md5(PAGES["/"])), tls=insecure),
        "404": url_probe(HttpUrl("/status/404"), tls=insecure),
        "ca": url_probe(HttpUrl("/"), tls=verified),
        "other ca": url_probe(HttpUrl("/"), tls=TlsOptions(ca=str(other_ca / "cert.pem"))),
        "ca and sni": url_probe(
            HttpUrl("/"),
            tls=TlsOptions(ca=str(tmp_path / "cert.pem"), sni=True),
            virtualhost="rs.example",
        ),
    }
    results, _ = http_results(netns, probes, tls=True, tmp=tmp_path)
    assert results["ok"].ok
    assert not results["404"].ok
    # with a ca the chain is verified: the server's own certificate passes, another ca's fails
    assert results["ca"].ok
    assert not results["other ca"].ok
    assert results["ca and sni"].ok


def test_ssl_get_against_a_plain_http_server_fails(netns: str) -> None:
    results, _ = http_results(netns, {"x": url_probe(HttpUrl("/"), tls=TlsOptions())})
    assert not results["x"].ok


def run_all(probes: Mapping[str, Probe]) -> dict[str, ProbeResult]:
    return {name: run(probe.run()) for name, probe in probes.items()}


def verdicts(results: Mapping[str, ProbeResult]) -> tuple[set[str], set[str]]:
    """The names of the cases that passed, and of those that failed."""
    return {k for k, r in results.items() if r.ok}, {k for k, r in results.items() if not r.ok}


def test_smtp_check(netns: str) -> None:
    from aiosmtpd.controller import Controller

    class Sink:
        async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
            return "250 OK"

    servers = {  # name -> (greeting, answer to HELO, how long the probe waits)
        "554": (b"554 no service here\r\n", b"", 5.0),
        "helo 501": (b"220 hi\r\n", b"501 bad helo\r\n", 5.0),
        "silent": (b"", b"", 0.3),
    }

    def body() -> dict[str, ProbeResult]:
        controller = Controller(Sink(), hostname=LO, port=free_port())
        controller.start()
        try:
            results = run_all({"aiosmtpd": SmtpProbe(target(controller.port), "lb1.example")})
        finally:
            controller.stop()
        for name, (greeting, answer, wait) in servers.items():
            with serving(LineServer((LO, 0), greeting, answer)) as port:
                results |= run_all({name: SmtpProbe(target(port, wait))})
        return results | run_all({"closed": SmtpProbe(target(free_port()))})

    assert verdicts(in_netns(netns, body)) == ({"aiosmtpd"}, {*servers, "closed"})


def test_dns_check(netns: str) -> None:
    rcodes = {
        "noerror": dns.rcode.NOERROR,
        "servfail": dns.rcode.SERVFAIL,
        "nxdomain": dns.rcode.NXDOMAIN,
        "silent": None,
    }

    def body() -> dict[str, ProbeResult]:
        results = {}
        for name, rcode in rcodes.items():
            with serving(DnsResponder((LO, 0), rcode)) as port:
                probe = DnsProbe(target(port, 0.5), type="A", name="www.example.")
                results[name] = run(probe.run())
        closed = free_port(socket.SOCK_DGRAM)
        return results | run_all({"closed": DnsProbe(target(closed, 0.5))})

    assert verdicts(in_netns(netns, body)) == ({"noerror"}, {*rcodes, "closed"} - {"noerror"})


def test_udp_check(netns: str) -> None:
    def body() -> dict[str, ProbeResult]:
        with serving(UdpEcho((LO, 0), prefix=b"pong:")) as port:
            echo = target(port, 0.5)
            results = run_all(
                {
                    "sent": UdpProbe(echo),
                    "reply": UdpProbe(echo, b"ping", require_reply=True, reply=b"pong:"),
                    "mismatch": UdpProbe(echo, b"ping", require_reply=True, reply=b"nope"),
                    "too short": UdpProbe(echo, b"p", require_reply=True, min_reply_length=64),
                }
            )
        closed = free_port(socket.SOCK_DGRAM)
        return results | run_all({"unreachable": UdpProbe(target(closed, 0.5))})

    results = in_netns(netns, body)
    assert verdicts(results) == ({"sent", "reply"}, {"mismatch", "too short", "unreachable"})
    assert results["unreachable"].reason == "ICMP unreachable"


def test_ping_check(netns: str) -> None:
    def body() -> tuple[ProbeResult, ProbeResult]:
        return (
            run(PingProbe(Target(LO, connect_timeout=2)).run()),
            run(PingProbe(Target("203.0.113.9", connect_timeout=0.3)).run()),  # no route
        )

    alive, unreachable = in_netns(netns, body)
    assert alive.ok
    assert not unreachable.ok


def test_misc_check(netns: str, tmp_path: Path) -> None:
    script = tmp_path / "check.sh"
    script.write_text('#!/bin/sh\nexit "$1"\n')
    script.chmod(0o755)
    cases = {
        "true": (MiscProbe("/bin/true"), (True, None)),
        "false": (MiscProbe("/bin/false"), (False, None)),
        "exit 1": (MiscProbe(f"{script} 1"), (False, None)),
        "dynamic exit 7": (MiscProbe(f"{script} 7", dynamic=True), (True, 5)),
        "static exit 7": (MiscProbe(f"{script} 7"), (False, None)),
        "shell": (MiscProbe("test -d / && exit 0"), (True, None)),
        "timeout": (
            MiscProbe(f"{sys.executable} -c 'import time; time.sleep(60)'", timeout=0.5),
            (False, None),
        ),
        "missing": (MiscProbe("/nonexistent/check"), (False, None)),
        "as nobody": (MiscProbe("/usr/bin/test $(id -u) = 65534", user="nobody"), (True, None)),
        "unknown user": (MiscProbe("/bin/true", user="no-such-user-xyz"), (False, None)),
    }

    def body() -> dict[str, ProbeResult]:
        return run_all({name: probe for name, (probe, _) in cases.items()})

    results = in_netns(netns, body)
    assert {k: (r.ok, r.weight) for k, r in results.items()} == {
        k: w for k, (_, w) in cases.items()
    }


def test_file_check(tmp_path: Path) -> None:
    tracked = tmp_path / "weight"
    tracked.write_text("3\n")
    assert run(FileProbe(str(tracked), weight=2, base_weight=1).run()).weight == 7
    tracked.write_text("-127\n")
    assert not run(FileProbe(str(tracked), weight=2).run()).ok
    assert run(FileProbe(str(tmp_path / "missing")).run()).ok
