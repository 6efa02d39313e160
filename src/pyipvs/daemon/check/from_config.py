# SPDX-License-Identifier: Apache-2.0
"""keepalived.conf's virtual servers -> IPVS services, pools and checks.

Defaults cascade as keepalived's do (check_data.c): checker, then real server, then virtual
server, then keepalived's default. A virtual server naming a ``virtual_server_group`` becomes
one IPVS service per group entry (address ranges expanded), all with the same pool and the
same checks; equal checks are shared by the scheduler, so a real server named by several
virtual servers is probed once.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import logging
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from typing import TypeVar

from pyipvs import RealServer, VirtualService
from pyipvs import check as chk
from pyipvs import config as cfg
from pyipvs.config.pcre import RegexRefused, compile_regex
from pyipvs.daemon.check.pool import Member, Pool
from pyipvs.ipvs.model import SCHED_FLAGS

log = logging.getLogger("pyipvs.daemon")

FORWARD = {"NAT": "masq", "DR": "route", "TUN": "tunnel"}
DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_DELAY_BEFORE_RETRY = 1.0
DEFAULT_RETRY = 1  # MISC_CHECK: 0


@dataclass(frozen=True)
class MemberChecks:
    member: Member
    checks: tuple[chk.Check, ...]


@dataclass(frozen=True)
class ServiceSpec:
    """One IPVS service to program: its pool, each member's checks, notify scripts."""

    service: VirtualService
    pool: Pool
    members: tuple[MemberChecks, ...]
    label: str
    quorum_up: str | None = None
    quorum_down: str | None = None
    notify_up: dict[tuple[object, ...], str] = field(default_factory=dict, compare=False)
    notify_down: dict[tuple[object, ...], str] = field(default_factory=dict, compare=False)


def describe_service(vs: VirtualService) -> str:
    """``[10.0.0.5]:tcp:80`` or ``FWM 7``, as keepalived names a virtual server in logs."""
    if vs.fwmark is not None:
        return f"FWM {vs.fwmark}"
    return f"[{vs.address}]:{vs.protocol}:{vs.port}"


def describe_server(rs: RealServer, protocol: str | None = "tcp") -> str:
    return f"[{rs.address}]:{protocol or 'tcp'}:{rs.port}"


def services_from_config(config: cfg.KeepalivedConfig) -> list[ServiceSpec]:
    groups = {g.name: g for g in config.virtual_server_groups}
    specs: list[ServiceSpec] = []
    shared: _Members = {}
    for vs in config.virtual_servers:
        for service in _services_of(vs, groups):
            specs.append(_spec(config, vs, service, shared))
    return specs


#: Members already made, by (real server block, service port, the virtual server's settings
#: but its identity): the reader gives one object for equal real server blocks, so 100
#: virtual servers naming the same 2,000 real servers make 2,000 members, not 200,000 (and
#: their servers are encoded once for netlink).
_Members = dict[tuple[int, int, str], tuple["cfg.RealServerConfig", "MemberChecks"]]
_VS_IDENTITY = frozenset(
    {"address", "port", "fwmark", "group", "real_servers", "sorry_server", "quorum"}
    | {"hysteresis", "quorum_up", "quorum_down"}
)


def _settings(vs: cfg.VirtualServerConfig) -> str:
    return repr([(f.name, getattr(vs, f.name)) for f in fields(vs) if f.name not in _VS_IDENTITY])


def _services_of(
    vs: cfg.VirtualServerConfig, groups: dict[str, cfg.VirtualServerGroupConfig]
) -> Iterator[VirtualService]:
    common = {
        "scheduler": vs.lvs_sched,
        # flag-1 .. flag-3, sh-* and mh-* (the reader kept only those keepalived applies)
        "sched_flags": frozenset(name for name, _ in vs.options if name in SCHED_FLAGS),
        "persistence_timeout": vs.persistence_timeout,
        "pe_name": vs.persistence_engine,
        "one_packet": vs.ops,
    }
    protocol = vs.protocol.lower()
    family = {"inet": "inet", "inet6": "inet6"}.get(vs.ip_family or "")
    if vs.fwmark is not None:
        yield VirtualService(fwmark=vs.fwmark, family=family or "inet", **common)  # type: ignore[arg-type]
        return
    if vs.group is None:
        yield VirtualService(protocol, vs.address, vs.port, **common)  # type: ignore[arg-type]
        return
    group = groups.get(vs.group)
    if group is None:
        log.error("virtual_server_group %s is not defined", vs.group)
        return
    for entry in group.entries:
        if entry.fwmark is not None:
            yield VirtualService(fwmark=entry.fwmark, family=entry.family or "inet", **common)  # type: ignore[arg-type]
            continue
        for address in _expand(entry):
            yield VirtualService(protocol, address, entry.port or vs.port or 0, **common)  # type: ignore[arg-type]


def _expand(entry: cfg.VsgEntry) -> Iterator[str]:
    """``10.0.0.10-12``: the last part of the address runs up to ``last``."""
    assert entry.address is not None
    if "/" in entry.address:
        yield from (str(a) for a in ipaddress.ip_network(entry.address, strict=False))
        return
    first = ipaddress.ip_address(entry.address)
    if entry.last is None:
        yield str(first)
        return
    if first.version == 4:
        end = int(entry.last.split(".")[-1])
        start = int(str(first).split(".")[-1])
    else:
        end = int(entry.last.split(":")[-1], 16)
        start = int(first) & 0xFFFF
    for offset in range(max(0, end - start + 1)):
        yield str(first + offset)


def _spec(
    config: cfg.KeepalivedConfig,
    vs: cfg.VirtualServerConfig,
    service: VirtualService,
    shared: _Members,
) -> ServiceSpec:
    settings = _settings(vs)
    members = []
    for rs in vs.real_servers:
        made = (id(rs), service.port or 0, settings)
        known = shared.get(made)
        if known is None or known[0] is not rs:
            known = shared[made] = (rs, _member(config, vs, service, rs))
        members.append(known[1])
    sorry = None
    if vs.sorry_server is not None:
        sorry = RealServer(
            vs.sorry_server.address,
            vs.sorry_server.port if vs.sorry_server.port is not None else (service.port or 0),
            weight=1,
            forward=FORWARD.get(vs.lvs_method, "masq"),
        )
    pool = Pool(
        tuple(m.member for m in members),
        quorum=vs.quorum,
        hysteresis=vs.hysteresis,
        sorry_server=sorry,
        sorry_server_inhibit=vs.sorry_server_inhibit,
    )
    notify_up: dict[tuple[object, ...], str] = {}
    notify_down: dict[tuple[object, ...], str] = {}
    for rs in vs.real_servers:
        port = rs.port if rs.port is not None else (service.port or 0)
        address = ipaddress.ip_address(rs.address)
        key = (address.version, int(address), port)  # pool.server_key of that real server
        if rs.notify_up:
            notify_up[key] = rs.notify_up.command
        if rs.notify_down:
            notify_down[key] = rs.notify_down.command
    return ServiceSpec(
        service,
        pool,
        tuple(members),
        describe_service(service),
        vs.quorum_up.command if vs.quorum_up else None,
        vs.quorum_down.command if vs.quorum_down else None,
        notify_up,
        notify_down,
    )


def _member(
    config: cfg.KeepalivedConfig,
    vs: cfg.VirtualServerConfig,
    service: VirtualService,
    rs: cfg.RealServerConfig,
) -> MemberChecks:
    port = rs.port if rs.port is not None else (service.port or 0)
    server = RealServer(
        rs.address,
        port,
        weight=rs.weight,
        forward=FORWARD.get(rs.lvs_method or vs.lvs_method, "masq"),
        upper_threshold=rs.uthreshold or 0,
        lower_threshold=rs.lthreshold or 0,
    )
    inhibit = rs.inhibit_on_failure if rs.inhibit_on_failure is not None else vs.inhibit_on_failure
    checks = []
    for checker in rs.checkers:
        check = checker_to_check(config, vs, rs, checker, port)
        if check is not None:
            checks.append(check)
    return MemberChecks(Member(server, inhibit), tuple(checks))


_T = TypeVar("_T")


def _first(*values: _T | None, default: _T) -> _T:
    """The first value set, in cascade order (checker, real server, virtual server)."""
    return next((v for v in values if v is not None), default)


def _schedule(
    vs: cfg.VirtualServerConfig, rs: cfg.RealServerConfig, checker: cfg.CheckerConfig
) -> chk.Schedule:
    default_retry = 0 if isinstance(checker, cfg.MiscCheck) else DEFAULT_RETRY
    return chk.Schedule(
        delay_loop=_first(checker.delay_loop, rs.delay_loop, default=vs.delay_loop),
        retry=_first(checker.retry, rs.retry, vs.retry, default=default_retry),
        delay_before_retry=_first(
            checker.delay_before_retry,
            rs.delay_before_retry,
            vs.delay_before_retry,
            default=DEFAULT_DELAY_BEFORE_RETRY,
        ),
        warmup=_first(checker.warmup, rs.warmup, vs.warmup, default=None),
        alpha=_first(checker.alpha, rs.alpha, default=vs.alpha),
    )


def _target(
    vs: cfg.VirtualServerConfig, rs: cfg.RealServerConfig, checker: cfg.CheckerConfig, port: int
) -> chk.Target:
    return chk.Target(
        checker.connect_ip or rs.address,
        _first(checker.connect_port, default=port),
        bindto=checker.bindto,
        bind_port=checker.bind_port,
        fwmark=checker.fwmark,
        connect_timeout=_first(
            checker.connect_timeout,
            rs.connect_timeout,
            vs.connect_timeout,
            default=DEFAULT_CONNECT_TIMEOUT,
        ),
    )


def checker_to_check(
    config: cfg.KeepalivedConfig,
    vs: cfg.VirtualServerConfig,
    rs: cfg.RealServerConfig,
    checker: cfg.CheckerConfig,
    port: int,
) -> chk.Check | None:
    """One configured checker as a :class:`pyipvs.check.Check`; None (logged) for BFD_CHECK."""
    probe = _probe(config, vs, rs, checker, port)
    if probe is None:
        return None
    return chk.Check(probe, _schedule(vs, rs, checker))


def _probe(
    config: cfg.KeepalivedConfig,
    vs: cfg.VirtualServerConfig,
    rs: cfg.RealServerConfig,
    checker: cfg.CheckerConfig,
    port: int,
) -> chk.Probe | None:
    target = _target(vs, rs, checker, port)
    if isinstance(checker, cfg.HttpGet):  # SSL_GET too
        return _http_probe(config, vs, rs, checker, target)
    if isinstance(checker, cfg.TcpCheck):
        return chk.TcpProbe(target)
    if isinstance(checker, cfg.MiscCheck):
        return _misc_probe(config, vs, checker)
    if isinstance(checker, cfg.SmtpCheck):
        helo = checker.helo_name or config.global_defs.smtp_helo_name or socket.gethostname()
        return chk.SmtpProbe(target, helo)
    if isinstance(checker, cfg.DnsCheck):
        return chk.DnsProbe(target, checker.type, checker.name)
    if isinstance(checker, cfg.UdpCheck):
        return chk.UdpProbe(
            target,
            bytes.fromhex(checker.payload) if checker.payload else None,
            checker.require_reply,
            bytes.fromhex(checker.reply) if checker.reply else None,
            checker.min_reply_length,
            checker.max_reply_length,
        )
    if isinstance(checker, cfg.PingCheck):
        return chk.PingProbe(target)
    if isinstance(checker, cfg.FileCheck):
        return _file_probe(config, rs, checker)
    log.warning("%s is not supported by pyipvs; checker ignored", checker.kind)
    return None


def _http_probe(
    config: cfg.KeepalivedConfig,
    vs: cfg.VirtualServerConfig,
    rs: cfg.RealServerConfig,
    checker: cfg.HttpGet,
    target: chk.Target,
) -> chk.HttpProbe:
    urls = tuple(_http_url(u) for u in checker.urls) or (chk.HttpUrl(),)
    tls = _tls_options(config.ssl, checker.enable_sni) if isinstance(checker, cfg.SslGet) else None
    virtualhost = checker.virtualhost or rs.virtualhost or vs.virtualhost
    protocol = checker.http_protocol or "1.0"  # the parser allows 1.0, 1.0C and 1.1
    return chk.HttpProbe(target, urls, protocol, virtualhost, tls)


def _tls_options(ssl: cfg.SslConfig | None, sni: bool) -> chk.TlsOptions:
    """keepalived's SSL context: the client certificate is presented, the server's is never
    verified, even with ``ca`` (check_ssl.c: no SSL_VERIFY_PEER)."""
    if ssl is None:
        return chk.TlsOptions(sni=sni, verify=False)
    return chk.TlsOptions(ssl.ca, ssl.certificate, ssl.key, ssl.password, sni, verify=False)


def _http_url(url: cfg.UrlCheck) -> chk.HttpUrl:
    base = chk.HttpUrl(url.path or "/", url.digest, url.status_code, url.virtualhost)
    named = {name: args for name, args in url.options}
    if "regex" not in named:
        return base
    flags = tuple(word for name, args in url.options if name == "regex_options" for word in args)
    try:
        compiled = compile_regex(named["regex"][0], flags)
    except RegexRefused as exc:
        log.error("url %s: %s; the url always fails", url.path, exc)
        return dataclasses.replace(base, refused=f"regex refused: {exc}")
    high = named.get("regex_max_offset")
    regex = chk.BodyRegex(
        compiled,
        no_match="regex_no_match" in named,
        min_offset=int(named.get("regex_min_offset", ("0",))[0]),
        max_offset=int(high[0]) if high else None,
    )
    return dataclasses.replace(base, regex=regex)


def _misc_probe(
    config: cfg.KeepalivedConfig, vs: cfg.VirtualServerConfig, checker: cfg.MiscCheck
) -> chk.MiscProbe | None:
    if checker.misc_path is None:
        log.error("MISC_CHECK without misc_path ignored")
        return None
    script = checker.misc_path
    gdefs = config.global_defs
    user = script.user or checker.user or gdefs.script_user
    group = script.group or checker.group or gdefs.script_group
    # keepalived's misc_timeout defaults to the checker's delay_loop
    timeout = _first(checker.misc_timeout, checker.delay_loop, default=vs.delay_loop)
    return chk.MiscProbe(script.command, timeout, checker.misc_dynamic, user, group)


def _file_probe(
    config: cfg.KeepalivedConfig, rs: cfg.RealServerConfig, checker: cfg.FileCheck
) -> chk.FileProbe | None:
    tracked = {t.name: t for t in config.track_files}.get(checker.track_file or "")
    path = tracked.file if tracked is not None else None
    if path is None:
        log.error("FILE_CHECK: track_file %s is not defined", checker.track_file)
        return None
    weight = checker.weight if checker.weight is not None else 1
    return chk.FileProbe(path, weight, checker.weight_reverse, rs.weight)
