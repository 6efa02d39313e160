# SPDX-License-Identifier: Apache-2.0
"""The typed model of a keepalived.conf: frozen dataclasses, defaults as keepalived 2.2.7 has them.

Values are resolved (aliases folded into their modern keyword, ``state SLAVE`` into BACKUP, the
implicit priority of a MASTER filled in), so the model says what a daemon should do. Fields that
cascade in keepalived (virtual server -> real server -> checker) are ``None`` below the level
they were set at. Keywords pyipvs accepts without modelling them are kept, in order, in
``options`` as ``(keyword, args)`` pairs, so nothing configured is lost.
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields
from typing import ClassVar, TypeVar

Option = tuple[str, tuple[str, ...]]


@dataclass(frozen=True)
class Script:
    """A command keepalived runs: the command line, and the user/group to run it as."""

    command: str
    user: str | None = None
    group: str | None = None


@dataclass(frozen=True)
class Tracked:
    """An entry of a ``track_*`` block: the tracked object's name and its weight, if given."""

    name: str
    weight: int | None = None
    reverse: bool = False


@dataclass(frozen=True)
class LvsTimeouts:
    tcp: int | None = None
    tcpfin: int | None = None
    udp: int | None = None


@dataclass(frozen=True)
class ProcessTuning:
    """How a child process runs (``vrrp_*`` / ``checker_*`` in global_defs): ``nice``
    (``*_priority``, -20..19), real-time round-robin at ``rt_priority`` (``*_rt_priority``,
    1..99; 0 = normal scheduling), the CPU time it may then use between two waits in
    microseconds (``*_rlimit_rttime``), locked in memory (``*_no_swap``), the CPUs it may run
    on (``*_cpu_affinity``; empty = any)."""

    nice: int = 0
    rt_priority: int = 0
    rlimit_rttime: int = 10_000  # keepalived's RT_RLIMIT_DEFAULT
    no_swap: bool = False
    cpu_affinity: tuple[int, ...] = ()


@dataclass(frozen=True)
class LvsSyncDaemon:
    """``lvs_sync_daemon IF [VRRP_INSTANCE] [id N] [maxlen N] [port N] [ttl N] [group IP]``."""

    interface: str
    vrrp_instance: str | None = None
    sync_id: int | None = None
    maxlen: int | None = None
    port: int | None = None
    ttl: int | None = None
    group: str | None = None


@dataclass(frozen=True)
class GlobalDefs:
    router_id: str | None = None
    notification_email: tuple[str, ...] = ()
    notification_email_from: str | None = None
    smtp_server: str | None = None
    smtp_port: int = 25
    smtp_connect_timeout: int = 30
    smtp_helo_name: str | None = None
    smtp_alert: bool | None = None
    enable_script_security: bool = False
    script_user: str | None = None
    script_group: str | None = None
    vrrp_version: int = 2
    vrrp_mcast_group4: str = "224.0.0.18"
    vrrp_mcast_group6: str = "ff02::12"
    vrrp_garp_master_delay: int = 5
    vrrp_garp_master_repeat: int = 5
    vrrp_garp_master_refresh: int = 0
    vrrp_garp_master_refresh_repeat: int = 1
    vrrp_garp_lower_prio_delay: int | None = None
    vrrp_garp_lower_prio_repeat: int | None = None
    vrrp_garp_interval: float = 0.0
    vrrp_gna_interval: float = 0.0
    vrrp_down_timer_adverts: int = 3
    vrrp_strict: bool = False
    vrrp_lower_prio_no_advert: bool = False
    vrrp_higher_prio_send_advert: bool = False
    vrrp_check_unicast_src: bool = False
    vrrp_skip_check_adv_addr: bool = False
    vrrp_startup_delay: float = 0.0
    vrrp_process: ProcessTuning = ProcessTuning()
    checker_process: ProcessTuning = ProcessTuning()
    lvs_timeouts: LvsTimeouts | None = None
    lvs_sync_daemon: LvsSyncDaemon | None = None
    lvs_flush: bool = False
    lvs_flush_on_stop: bool = False
    #: ``notify_fifo`` / ``vrrp_notify_fifo FIFO_NAME [user [group]]`` (the name in
    #: ``command``) and the scripts that read them (``*_fifo_script``)
    notify_fifo: Script | None = None
    notify_fifo_script: Script | None = None
    vrrp_notify_fifo: Script | None = None
    vrrp_notify_fifo_script: Script | None = None
    options: tuple[Option, ...] = ()


@dataclass(frozen=True)
class VrrpScriptConfig:
    name: str
    script: Script | None = None
    interval: float = 1.0
    timeout: float | None = None
    weight: int = 0
    weight_reverse: bool = False
    rise: int = 1
    fall: int = 1
    user: str | None = None
    group: str | None = None
    init_fail: bool = False


@dataclass(frozen=True)
class TrackFileConfig:
    name: str
    file: str | None = None
    weight: int = 1
    weight_reverse: bool = False
    init_file: bool = False
    init_value: int = 0
    init_overwrite: bool = False


@dataclass(frozen=True)
class VrrpSyncGroupConfig:
    name: str
    group: tuple[str, ...] = ()
    track_interface: tuple[Tracked, ...] = ()
    track_script: tuple[Tracked, ...] = ()
    track_file: tuple[Tracked, ...] = ()
    notify_master: Script | None = None
    notify_backup: Script | None = None
    notify_fault: Script | None = None
    notify_stop: Script | None = None
    notify: Script | None = None
    smtp_alert: bool | None = None
    global_tracking: bool = False
    sync_group_tracking_weight: bool = False
    options: tuple[Option, ...] = ()


@dataclass(frozen=True)
class VirtualIp:
    """A ``virtual_ipaddress`` entry: ``IP[/MASK] [brd IP] [dev IF] [scope S] [label L] ...``."""

    address: str
    brd: str | None = None
    dev: str | None = None
    scope: str | None = None
    label: str | None = None
    peer: str | None = None
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class UnicastPeer:
    address: str
    min_ttl: int | None = None
    max_ttl: int | None = None


@dataclass(frozen=True)
class Authentication:
    auth_type: str = "PASS"
    auth_pass: str = ""


@dataclass(frozen=True)
class VrrpInstanceConfig:
    name: str
    state: str = "BACKUP"
    interface: str | None = None
    virtual_router_id: int | None = None
    priority: int = 100
    advert_int: float = 1.0
    version: int = 2
    authentication: Authentication | None = None
    virtual_ipaddress: tuple[VirtualIp, ...] = ()
    virtual_ipaddress_excluded: tuple[VirtualIp, ...] = ()
    virtual_routes: tuple[tuple[str, ...], ...] = ()
    virtual_rules: tuple[tuple[str, ...], ...] = ()
    mcast_src_ip: str | None = None
    unicast_src_ip: str | None = None
    unicast_peer: tuple[UnicastPeer, ...] = ()
    nopreempt: bool = False
    preempt_delay: float = 0.0
    garp_master_delay: int | None = None
    garp_master_repeat: int | None = None
    garp_master_refresh: int | None = None
    garp_master_refresh_repeat: int | None = None
    garp_lower_prio_delay: int | None = None
    garp_lower_prio_repeat: int | None = None
    track_interface: tuple[Tracked, ...] = ()
    track_script: tuple[Tracked, ...] = ()
    track_file: tuple[Tracked, ...] = ()
    dont_track_primary: bool = False
    notify_master: Script | None = None
    notify_backup: Script | None = None
    notify_fault: Script | None = None
    notify_stop: Script | None = None
    notify: Script | None = None
    smtp_alert: bool | None = None
    use_vmac: str | None = None
    vmac_xmit_base: bool = False
    accept: bool | None = None
    strict_mode: bool | None = None
    lvs_sync_daemon_interface: str | None = None
    #: keepalived's VRRPv3 unicast checksum over IPv4 (``old_unicast_checksum [never]``):
    #: ``None`` new form, detecting a peer's old one; ``"always"`` the old form (224.0.0.18
    #: in the pseudo-header); ``"never"`` the new form without detection
    old_unicast_checksum: str | None = None
    #: TTL / hop limit of the adverts sent to unicast peers (keepalived: 255)
    unicast_ttl: int | None = None
    #: drop adverts whose source is not a ``unicast_peer`` (also: ``vrrp_check_unicast_src``,
    #: or a peer's ``min_ttl`` / ``max_ttl``)
    check_unicast_src: bool = False
    options: tuple[Option, ...] = ()


@dataclass(frozen=True)
class VsgEntry:
    """A ``virtual_server_group`` line: an address (or range ``address``..``last``) and port,
    or a firewall mark."""

    address: str | None = None
    last: str | None = None
    port: int | None = None
    fwmark: int | None = None
    family: str | None = None


@dataclass(frozen=True)
class VirtualServerGroupConfig:
    name: str
    entries: tuple[VsgEntry, ...] = ()


@dataclass(frozen=True)
class UrlCheck:
    """A ``url { }`` block of HTTP_GET / SSL_GET."""

    path: str | None = None
    digest: str | None = None
    status_code: tuple[tuple[int, int], ...] = ()
    virtualhost: str | None = None
    options: tuple[Option, ...] = ()


@dataclass(frozen=True, kw_only=True)
class CheckerConfig:
    """Keywords every checker accepts (check_api.c); ``None`` means inherited or keepalived's
    default for that checker type."""

    kind: ClassVar[str] = ""
    connect_ip: str | None = None
    connect_port: int | None = None
    bindto: str | None = None
    bind_port: int | None = None
    bind_if: str | None = None
    connect_timeout: float | None = None
    fwmark: int | None = None
    retry: int | None = None
    delay_before_retry: float | None = None
    warmup: float | None = None
    delay_loop: float | None = None
    alpha: bool | None = None
    log_all_failures: bool | None = None
    options: tuple[Option, ...] = ()


@dataclass(frozen=True, kw_only=True)
class TcpCheck(CheckerConfig):
    kind: ClassVar[str] = "TCP_CHECK"


@dataclass(frozen=True, kw_only=True)
class HttpGet(CheckerConfig):
    kind: ClassVar[str] = "HTTP_GET"
    urls: tuple[UrlCheck, ...] = ()
    http_protocol: str | None = None
    virtualhost: str | None = None
    fast_recovery: bool = False
    enable_sni: bool = False


@dataclass(frozen=True, kw_only=True)
class SslGet(HttpGet):
    kind: ClassVar[str] = "SSL_GET"


@dataclass(frozen=True, kw_only=True)
class MiscCheck(CheckerConfig):
    kind: ClassVar[str] = "MISC_CHECK"
    misc_path: Script | None = None
    misc_timeout: float | None = None
    misc_dynamic: bool = False
    user: str | None = None
    group: str | None = None


@dataclass(frozen=True, kw_only=True)
class SmtpCheck(CheckerConfig):
    kind: ClassVar[str] = "SMTP_CHECK"
    helo_name: str | None = None


@dataclass(frozen=True, kw_only=True)
class DnsCheck(CheckerConfig):
    kind: ClassVar[str] = "DNS_CHECK"
    type: str = "SOA"
    name: str = "."


@dataclass(frozen=True, kw_only=True)
class UdpCheck(CheckerConfig):
    kind: ClassVar[str] = "UDP_CHECK"
    payload: str | None = None
    require_reply: bool = False
    reply: str | None = None
    min_reply_length: int | None = None
    max_reply_length: int | None = None


@dataclass(frozen=True, kw_only=True)
class PingCheck(CheckerConfig):
    kind: ClassVar[str] = "PING_CHECK"


@dataclass(frozen=True, kw_only=True)
class FileCheck(CheckerConfig):
    kind: ClassVar[str] = "FILE_CHECK"
    track_file: str | None = None
    weight: int | None = None
    weight_reverse: bool = False


@dataclass(frozen=True, kw_only=True)
class BfdCheck(CheckerConfig):
    """Parsed so configurations that use it load, but pyipvs does not run BFD."""

    kind: ClassVar[str] = "BFD_CHECK"
    name: str | None = None


@dataclass(frozen=True)
class RealServerConfig:
    address: str
    port: int | None = None
    weight: int = 1
    lvs_method: str | None = None
    inhibit_on_failure: bool | None = None
    uthreshold: int | None = None
    lthreshold: int | None = None
    notify_up: Script | None = None
    notify_down: Script | None = None
    alpha: bool | None = None
    retry: int | None = None
    delay_before_retry: float | None = None
    warmup: float | None = None
    connect_timeout: float | None = None
    delay_loop: float | None = None
    smtp_alert: bool | None = None
    virtualhost: str | None = None
    checkers: tuple[CheckerConfig, ...] = ()
    options: tuple[Option, ...] = ()


@dataclass(frozen=True)
class SorryServerConfig:
    address: str
    port: int | None = None


@dataclass(frozen=True)
class VirtualServerConfig:
    """``virtual_server IP PORT`` (``address``/``port``), ``fwmark N`` or ``group NAME``."""

    address: str | None = None
    port: int | None = None
    fwmark: int | None = None
    group: str | None = None
    protocol: str = "TCP"
    lvs_sched: str = "wlc"
    lvs_method: str = "NAT"
    delay_loop: float = 60.0
    persistence_timeout: int | None = None
    persistence_granularity: str | None = None
    persistence_engine: str | None = None
    ip_family: str | None = None
    virtualhost: str | None = None
    alpha: bool = False
    omega: bool = False
    quorum: int = 1
    hysteresis: int = 0
    quorum_up: Script | None = None
    quorum_down: Script | None = None
    sorry_server: SorryServerConfig | None = None
    sorry_server_inhibit: bool = False
    inhibit_on_failure: bool = False
    ha_suspend: bool = False
    ops: bool = False
    connect_timeout: float | None = None
    retry: int | None = None
    delay_before_retry: float | None = None
    warmup: float | None = None
    smtp_alert: bool | None = None
    real_servers: tuple[RealServerConfig, ...] = ()
    options: tuple[Option, ...] = ()


@dataclass(frozen=True)
class SslConfig:
    """The top-level ``SSL { }`` block: SSL_GET's client context (keepalived never verifies
    the server's certificate with it, see docs/guide/checkers.rst)."""

    password: str | None = None
    ca: str | None = None
    certificate: str | None = None
    key: str | None = None


@dataclass(frozen=True)
class BgpConfig:
    """pyipvs only: the ``pyipvs_bgp { }`` block (docs/guide/active-active.rst). The daemon
    announces each virtual server's address through an existing BGP speaker while it has
    quorum; keepalived 2.2.7 has no such block."""

    speaker: str = "bird"
    control_socket: str = "/run/bird/bird.ctl"
    include_file: str = "/run/pyipvs/bird-vips.conf"
    protocol: str = "pyipvs_vips"
    retry_max: float = 30.0
    check_interval: float = 5.0
    bfd_interval: float | None = None  # seconds; with bfd_multiplier, None = no BFD
    bfd_multiplier: int | None = None
    sync_daemon: tuple[str, int] | None = None  # (interface, sync id): master and backup

    @property
    def bfd(self) -> tuple[float, int] | None:
        """BFD's (interval in seconds, detect multiplier) when either keyword was given, the
        other taking BIRD's default (100 ms, 5); None without BFD."""
        if self.bfd_interval is None and self.bfd_multiplier is None:
            return None
        return (self.bfd_interval or 0.1, self.bfd_multiplier or 5)


@dataclass(frozen=True)
class KeepalivedConfig:
    """A whole keepalived.conf, resolved."""

    global_defs: GlobalDefs = field(default_factory=GlobalDefs)
    vrrp_scripts: tuple[VrrpScriptConfig, ...] = ()
    track_files: tuple[TrackFileConfig, ...] = ()
    vrrp_sync_groups: tuple[VrrpSyncGroupConfig, ...] = ()
    vrrp_instances: tuple[VrrpInstanceConfig, ...] = ()
    virtual_server_groups: tuple[VirtualServerGroupConfig, ...] = ()
    virtual_servers: tuple[VirtualServerConfig, ...] = ()
    static_ipaddress: tuple[VirtualIp, ...] = ()
    static_routes: tuple[tuple[str, ...], ...] = ()
    static_rules: tuple[tuple[str, ...], ...] = ()
    options: tuple[Option, ...] = ()
    ssl: SslConfig | None = None
    bgp: BgpConfig | None = None  # pyipvs_bgp (pyipvs only)


CHECKER_TYPES: dict[str, type[CheckerConfig]] = {
    cls.kind: cls
    for cls in (
        TcpCheck,
        HttpGet,
        SslGet,
        MiscCheck,
        SmtpCheck,
        DnsCheck,
        UdpCheck,
        PingCheck,
        FileCheck,
        BfdCheck,
    )
}


_T = TypeVar("_T")
_Template = tuple[dict[str, object], frozenset[str], frozenset[str]]
_TEMPLATES: dict[type, _Template] = {}


def construct(cls: type[_T], values: dict[str, object]) -> _T:
    """``cls(**values)`` for a frozen dataclass without ``default_factory`` fields, about eight
    times faster: the generated ``__init__`` pays an ``object.__setattr__`` call per field, which
    dominates reading a config of thousands of virtual servers. Unknown or missing fields still
    raise TypeError, as the constructor would."""
    template = _TEMPLATES.get(cls)
    if template is None:
        template = _TEMPLATES[cls] = _template(cls)
    defaults, names, required = template
    if not names.issuperset(values):
        raise TypeError(f"{cls.__name__}: unexpected fields {sorted(set(values) - names)}")
    if required and not required.issubset(values):
        raise TypeError(f"{cls.__name__}: missing fields {sorted(required - set(values))}")
    instance: _T = object.__new__(cls)
    state = instance.__dict__
    state.update(defaults)  # declaration order first, as __init__ would store them
    state.update(values)
    return instance


def _template(cls: type) -> _Template:
    defaults: dict[str, object] = {}
    required: set[str] = set()
    for item in fields(cls):
        if item.default_factory is not MISSING:
            raise TypeError(f"{cls.__name__}.{item.name}: construct() needs plain defaults")
        defaults[item.name] = None if item.default is MISSING else item.default
        if item.default is MISSING:
            required.add(item.name)
    return defaults, frozenset(defaults), frozenset(required)
