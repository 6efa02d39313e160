# SPDX-License-Identifier: Apache-2.0
"""DNS_CHECK: a UDP query for ``name``/``type`` with RD set; up on a response with RCODE 0
(check_dns.c). Messages are built and parsed by dnspython."""

from __future__ import annotations

from dataclasses import dataclass

import dns.asyncquery
import dns.exception
import dns.flags
import dns.message
import dns.rdatatype

from pyipvs.check.connect import Target, failure_reason
from pyipvs.check.result import ProbeResult, failed
from pyipvs.check.verdicts import dns_verdict


@dataclass(frozen=True)
class DnsProbe:
    target: Target
    type: str = "SOA"
    name: str = "."
    kind = "DNS_CHECK"

    def query(self) -> dns.message.QueryMessage:
        return dns.message.make_query(self.name, dns.rdatatype.from_text(self.type))

    async def run(self) -> ProbeResult:
        query = self.query()
        query.flags |= dns.flags.RD
        port = self.target.port or 53
        try:
            response = await dns.asyncquery.udp(
                query,
                self.target.address,
                timeout=self.target.connect_timeout,
                port=port,
                source=self.target.bindto,
                source_port=self.target.bind_port or 0,
                ignore_unexpected=True,
            )
        except dns.exception.Timeout:
            return failed("timeout")
        except (OSError, dns.exception.DNSException) as exc:
            return failed(failure_reason(exc) if isinstance(exc, OSError) else str(exc))
        return dns_verdict(bool(response.flags & dns.flags.QR), response.rcode())
