# SPDX-License-Identifier: Apache-2.0
"""SSL_GET with keepalived.conf's top-level ``SSL { }`` against a real TLS server in a fresh
namespace: the client certificate is presented (the server requires one), and the server's
certificate is not verified even with ``ca`` set, as keepalived 2.2.7 does (check_ssl.c sets
no SSL_VERIFY_PEER). Certificates are made in the test (cryptography)."""

from __future__ import annotations

import asyncio
import ssl
from pathlib import Path

from check_servers import PageServer, in_netns, self_signed, serving, tls_context

from pyipvs.check import ProbeResult
from pyipvs.config import parse_config
from pyipvs.daemon.check.from_config import services_from_config

SERVER = """virtual_server 10.0.0.5 443 {{
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 127.0.0.1 {port} {{
        SSL_GET {{
            url {{
                path /
                regex hello
            }}
            connect_timeout 5
        }}
    }}
}}
"""


def certificates(tmp: Path) -> dict[str, Path]:
    made = {}
    for name in ("server", "client", "other"):
        (tmp / name).mkdir()
        made[name], made[f"{name}-key"] = self_signed(tmp / name, f"{name}.example")
    return made


def check_with(ssl_block: str, certs: dict[str, Path], netns: str) -> ProbeResult:
    def body() -> ProbeResult:
        context = tls_context(certs["server"], certs["server-key"])
        context.verify_mode = ssl.CERT_REQUIRED  # mutual TLS: a client certificate is needed
        context.load_verify_locations(certs["client"])
        with serving(PageServer(("127.0.0.1", 0), context)) as port:
            result = parse_config(ssl_block + SERVER.format(port=port))
            assert [str(d) for d in result.diagnostics] == []
            probe = services_from_config(result.config)[0].members[0].checks[0].probe
            return asyncio.run(probe.run())

    return in_netns(netns, body)


def test_ssl_block_presents_the_client_certificate(netns: str, tmp_path: Path) -> None:
    certs = certificates(tmp_path)
    block = f"SSL {{\n    certificate {certs['client']}\n    key {certs['client-key']}\n}}\n"
    result = check_with(block, certs, netns)
    assert result.ok and result.reason == "Regex match"


def test_without_the_ssl_block_a_mutual_tls_server_refuses(netns: str, tmp_path: Path) -> None:
    result = check_with("", certificates(tmp_path), netns)
    assert not result.ok


def test_ca_does_not_make_keepalived_verify_the_server(netns: str, tmp_path: Path) -> None:
    certs = certificates(tmp_path)
    block = (
        f"SSL {{\n    ca {certs['other']}\n    certificate {certs['client']}\n"
        f"    key {certs['client-key']}\n}}\n"
    )
    # the server's certificate is not signed by "other": keepalived 2.2.7 still passes it
    assert check_with(block, certs, netns).ok
