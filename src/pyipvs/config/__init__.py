# SPDX-License-Identifier: Apache-2.0
"""keepalived.conf reader: keepalived's grammar, a typed model, and ``keepalived -t`` checks.

>>> from pyipvs.config import parse_config
>>> result = parse_config("vrrp_instance VI_1 {\\n state MASTER\\n}\\n")
>>> result.config.vrrp_instances[0].priority
255
"""

from __future__ import annotations

from pyipvs.config.diagnostics import Diagnostic, Severity, exit_status
from pyipvs.config.model import (
    Authentication,
    BfdCheck,
    CheckerConfig,
    DnsCheck,
    FileCheck,
    GlobalDefs,
    HttpGet,
    KeepalivedConfig,
    LvsSyncDaemon,
    LvsTimeouts,
    MiscCheck,
    PingCheck,
    RealServerConfig,
    Script,
    SmtpCheck,
    SorryServerConfig,
    SslConfig,
    SslGet,
    TcpCheck,
    Tracked,
    TrackFileConfig,
    UdpCheck,
    UnicastPeer,
    UrlCheck,
    VirtualIp,
    VirtualServerConfig,
    VirtualServerGroupConfig,
    VrrpInstanceConfig,
    VrrpScriptConfig,
    VrrpSyncGroupConfig,
    VsgEntry,
)
from pyipvs.config.parser import (
    DEFAULT_CONFIG,
    ParseResult,
    default_config_id,
    load_config,
    parse_config,
    read_config,
)
from pyipvs.config.writer import to_data, write_config
from pyipvs.errors import ConfigError

__all__ = [
    "DEFAULT_CONFIG",
    "Authentication",
    "BfdCheck",
    "CheckerConfig",
    "ConfigError",
    "Diagnostic",
    "DnsCheck",
    "FileCheck",
    "GlobalDefs",
    "HttpGet",
    "KeepalivedConfig",
    "LvsSyncDaemon",
    "LvsTimeouts",
    "MiscCheck",
    "ParseResult",
    "PingCheck",
    "RealServerConfig",
    "Script",
    "Severity",
    "SmtpCheck",
    "SorryServerConfig",
    "SslConfig",
    "SslGet",
    "TcpCheck",
    "TrackFileConfig",
    "Tracked",
    "UdpCheck",
    "UnicastPeer",
    "UrlCheck",
    "VirtualIp",
    "VirtualServerConfig",
    "VirtualServerGroupConfig",
    "VrrpInstanceConfig",
    "VrrpScriptConfig",
    "VrrpSyncGroupConfig",
    "VsgEntry",
    "default_config_id",
    "exit_status",
    "load_config",
    "parse_config",
    "read_config",
    "to_data",
    "write_config",
]
