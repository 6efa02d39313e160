# SPDX-License-Identifier: Apache-2.0
"""Health checks: keepalived's checkers as small async probes with pure verdicts, and one
scheduler that runs each distinct check once for all who subscribe to it.

>>> from pyipvs.check import Check, Schedule, TcpProbe, Target
>>> check = Check(TcpProbe(Target("192.0.2.10", 80, connect_timeout=3)), Schedule(delay_loop=6))
>>> check == Check(TcpProbe(Target("192.0.2.10", 80, connect_timeout=3)), Schedule(delay_loop=6))
True

This package knows nothing of keepalived.conf or of IPVS: ``pyipvs.daemon`` turns
configuration into checks and verdicts into IPVS operations.
"""

from __future__ import annotations

from pyipvs.check.connect import Target
from pyipvs.check.digest import BodyDigest, page_digest
from pyipvs.check.dns import DnsProbe
from pyipvs.check.file import FileProbe
from pyipvs.check.http import HttpProbe, HttpResponse, HttpUrl, TlsOptions, fetch, request_bytes
from pyipvs.check.misc import MiscProbe
from pyipvs.check.ping import PingProbe
from pyipvs.check.regex import BodyRegex, regex_matched
from pyipvs.check.result import ProbeResult
from pyipvs.check.scheduler import Check, CheckEvent, CheckScheduler, Probe, Subscription
from pyipvs.check.smtp import SmtpProbe
from pyipvs.check.state import CheckerState, Schedule, ServerHealth, Step, Transition
from pyipvs.check.tcp import TcpProbe
from pyipvs.check.udp import UdpProbe

__all__ = [
    "BodyDigest",
    "BodyRegex",
    "Check",
    "CheckEvent",
    "CheckScheduler",
    "CheckerState",
    "DnsProbe",
    "FileProbe",
    "HttpProbe",
    "HttpResponse",
    "HttpUrl",
    "MiscProbe",
    "PingProbe",
    "Probe",
    "ProbeResult",
    "Schedule",
    "ServerHealth",
    "SmtpProbe",
    "Step",
    "Subscription",
    "Target",
    "TcpProbe",
    "TlsOptions",
    "Transition",
    "UdpProbe",
    "fetch",
    "page_digest",
    "regex_matched",
    "request_bytes",
]
