"""Properties: model -> text -> model is the identity, and no text makes the reader raise
anything but ConfigError."""

from __future__ import annotations

import contextlib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyipvs.config import (
    Authentication,
    ConfigError,
    DnsCheck,
    GlobalDefs,
    HttpGet,
    KeepalivedConfig,
    MiscCheck,
    PingCheck,
    RealServerConfig,
    Script,
    SmtpCheck,
    SorryServerConfig,
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
    parse_config,
    write_config,
)

# No "$" (macros), no control characters: everything else must survive quoting.
TEXT = st.text(
    st.characters(codec="ascii", categories=("L", "N", "P", "Zs"), exclude_characters="$"),
    min_size=1,
    max_size=12,
)
NAME = st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,8}", fullmatch=True)
IPV4 = st.tuples(*[st.integers(1, 254)] * 4).map(lambda t: ".".join(map(str, t)))
PORT = st.integers(1, 65535)
PASSWORD = st.from_regex(r"[A-Za-z0-9]{1,8}", fullmatch=True)
SECONDS = st.integers(1, 600).map(float)
SCRIPT = st.builds(Script, TEXT, st.none() | NAME, st.none())


IPV6 = st.ip_addresses(v=6).map(str)
PEERS = st.builds(
    UnicastPeer,
    IPV4,
    min_ttl=st.none() | st.integers(0, 255),
    max_ttl=st.none() | st.integers(0, 255),
)
UINT = st.integers(0, 2**32 - 1)


def _vips(address: st.SearchStrategy[str], ipv6: bool) -> st.SearchStrategy[VirtualIp]:
    """label and scope are IPv4-only in keepalived."""
    v4_only = st.none() if ipv6 else st.none() | st.just("eth0:1")
    return st.builds(
        VirtualIp,
        address.map(lambda a: a + ("/128" if ipv6 else "/32")),
        dev=st.none() | st.just("eth0"),
        label=v4_only,
        scope=st.none() if ipv6 else st.none() | st.sampled_from(["global", "link"]),
        flags=st.sampled_from([(), ("no_track",), ("preferred_lft", "forever")]),
    )


def _tracked(limit: int, reverse: bool = True) -> st.SearchStrategy[Tracked]:
    """A track entry; ``reverse`` is written only after a weight."""
    weighted = st.builds(
        Tracked,
        NAME,
        st.integers(-limit, limit),
        st.booleans() if reverse else st.just(False),
    )
    return st.builds(Tracked, NAME) | weighted


def _track_lists(interface: str) -> st.SearchStrategy[tuple[tuple[Tracked, ...], ...]]:
    """track_interface (never the instance's own interface), track_script and track_file, each
    without duplicate names (keepalived ignores a repeated entry)."""
    own = st.lists(_tracked(253).filter(lambda t: t.name != interface), max_size=2, unique_by=_name)
    scripts = st.lists(_tracked(253), max_size=2, unique_by=_name)
    files = st.lists(_tracked(254), max_size=2, unique_by=_name)
    return st.tuples(own.map(tuple), scripts.map(tuple), files.map(tuple))


def _name(tracked: Tracked) -> str:
    return tracked.name


@st.composite
def instances(draw: st.DrawFn) -> VrrpInstanceConfig:
    ipv6 = draw(st.booleans())
    version = 3 if ipv6 else draw(st.sampled_from([2, 3]))
    state = draw(st.sampled_from(["MASTER", "BACKUP"]))
    priority = draw(st.integers(1, 255))
    # keepalived clears an initial MASTER state with AH below priority 255
    auth_types = ["PASS"] if state == "MASTER" and priority != 255 else ["PASS", "AH"]
    advert = float(draw(st.integers(1, 255))) if version == 2 else draw(st.integers(1, 4095)) / 100
    interface = draw(st.sampled_from(["eth0", "eth1", "bond0"]))
    track_interface, track_script, track_file = draw(_track_lists(interface))
    peers = tuple(draw(st.lists(PEERS, max_size=2)))
    use_vmac = draw(st.none() | st.just("") | NAME)
    return VrrpInstanceConfig(
        name=draw(NAME),
        state=state,
        interface=interface,
        virtual_router_id=draw(st.integers(1, 255)),
        priority=priority,
        advert_int=advert,
        version=version,
        authentication=draw(
            st.none() | st.builds(Authentication, st.sampled_from(auth_types), PASSWORD)
        )
        if version == 2
        else None,
        virtual_ipaddress=tuple(
            draw(st.lists(_vips(IPV6 if ipv6 else IPV4, ipv6), min_size=1, max_size=3))
        ),
        virtual_ipaddress_excluded=tuple(
            draw(st.lists(_vips(IPV4, False) | _vips(IPV6, True), max_size=2))
        ),
        unicast_src_ip=draw(st.none() | IPV4) if peers else None,
        unicast_peer=peers,
        # keepalived clears nopreempt at priority 255 and with an initial MASTER state
        nopreempt=draw(st.booleans()) if priority != 255 and state == "BACKUP" else False,
        preempt_delay=float(draw(st.integers(0, 1000))) if state == "BACKUP" else 0.0,
        garp_master_delay=draw(st.none() | st.integers(0, 4294)),
        garp_master_repeat=draw(st.none() | st.integers(1, 2**32 - 1)),
        garp_master_refresh=draw(st.none() | UINT),
        garp_master_refresh_repeat=draw(st.none() | st.integers(1, 2**32 - 1)),
        garp_lower_prio_delay=draw(st.none() | st.integers(0, 4294)),
        garp_lower_prio_repeat=draw(st.none() | st.integers(0, 2**31 - 1)),
        track_interface=track_interface,
        track_script=track_script,
        track_file=track_file,
        notify_master=draw(st.none() | SCRIPT),
        smtp_alert=draw(st.none() | st.booleans()),
        use_vmac=use_vmac,
        # unicast with use_vmac makes keepalived set vmac_xmit_base
        vmac_xmit_base=bool(peers and use_vmac is not None) or draw(st.booleans()),
        accept=draw(st.none() | st.booleans()),
    )


OTHER_CHECKERS = st.one_of(
    st.builds(SslGet, urls=st.builds(UrlCheck, path=st.just("/")).map(lambda u: (u,))),
    st.builds(
        MiscCheck,
        misc_path=SCRIPT,
        misc_timeout=st.none() | SECONDS,
        misc_dynamic=st.booleans(),
        user=st.none() | NAME,
    ),
    st.builds(SmtpCheck, helo_name=st.none() | NAME, connect_ip=st.none() | IPV4),
    st.builds(
        DnsCheck,
        type=st.sampled_from(["A", "AAAA", "SOA", "MX"]),
        name=NAME,
        retry=st.none() | st.integers(0, 5),
    ),
    st.builds(
        UdpCheck,
        payload=st.none() | st.from_regex(r"[0-9a-f]{2,8}", fullmatch=True),
        require_reply=st.booleans(),
        min_reply_length=st.none() | st.integers(0, 100),
    ),
    st.builds(PingCheck, delay_loop=st.none() | SECONDS),
)
CHECKERS = OTHER_CHECKERS | st.one_of(
    st.builds(
        TcpCheck,
        connect_port=st.none() | PORT,
        connect_timeout=st.none() | SECONDS,
        retry=st.none() | st.integers(0, 10),
        alpha=st.none() | st.booleans(),
    ),
    st.builds(
        HttpGet,
        urls=st.lists(
            st.builds(
                UrlCheck,
                path=NAME.map(lambda n: "/" + n),
                digest=st.none() | st.just("0" * 32),
                status_code=st.lists(
                    st.tuples(st.just(200), st.integers(200, 299)), max_size=2
                ).map(tuple),
                virtualhost=st.none() | NAME,
            ),
            min_size=1,
            max_size=2,
        ).map(tuple),
        fast_recovery=st.booleans(),
        virtualhost=st.none() | NAME,
    ),
)

REAL_SERVERS = st.builds(
    RealServerConfig,
    IPV4,
    PORT,
    weight=st.integers(0, 1000),
    inhibit_on_failure=st.none() | st.booleans(),
    notify_up=st.none() | SCRIPT,
    checkers=st.lists(CHECKERS, max_size=2).map(tuple),
)

VIRTUAL_SERVERS = st.builds(
    VirtualServerConfig,
    address=IPV4,
    port=PORT,
    protocol=st.sampled_from(["TCP", "UDP", "SCTP"]),
    lvs_sched=st.sampled_from(["rr", "wrr", "wlc", "sh"]),
    lvs_method=st.sampled_from(["NAT", "DR", "TUN"]),
    delay_loop=SECONDS,
    persistence_timeout=st.none() | st.integers(1, 3600),
    sorry_server=st.none() | st.builds(SorryServerConfig, IPV4, st.none() | PORT),
    alpha=st.booleans(),
    quorum_up=st.none() | SCRIPT,
    real_servers=st.lists(REAL_SERVERS, min_size=1, max_size=3).map(tuple),
)
GROUP_SERVERS = st.builds(
    VirtualServerConfig,
    group=NAME,
    protocol=st.sampled_from(["TCP", "UDP"]),
    lvs_sched=st.sampled_from(["rr", "wlc"]),
    lvs_method=st.just("NAT"),
    real_servers=st.lists(REAL_SERVERS, min_size=1, max_size=2).map(tuple),
)
IPV6_SERVERS = st.builds(
    VirtualServerConfig,
    address=IPV6,
    port=PORT,
    lvs_method=st.sampled_from(["NAT", "DR"]),
    real_servers=st.lists(
        st.builds(RealServerConfig, IPV6, PORT, weight=st.integers(0, 1000)), min_size=1, max_size=2
    ).map(tuple),
)
FWMARK_SERVERS = st.builds(
    VirtualServerConfig,
    fwmark=st.integers(1, 2**32 - 1),
    lvs_sched=st.sampled_from(["rr", "mh"]),
    lvs_method=st.just("DR"),
    real_servers=st.lists(REAL_SERVERS, min_size=1, max_size=2).map(tuple),
)
GROUPS = st.builds(
    VirtualServerGroupConfig,
    NAME,
    st.lists(
        st.one_of(
            st.builds(VsgEntry, address=IPV4 | IPV6, port=st.none() | PORT),
            st.builds(VsgEntry, fwmark=st.integers(1, 1000), family=st.none() | st.just("inet")),
        ),
        min_size=1,
        max_size=3,
    ).map(tuple),
)
SYNC_GROUPS = st.builds(
    VrrpSyncGroupConfig,
    NAME,
    st.lists(NAME, max_size=3).map(tuple),
    notify=st.none() | SCRIPT,
    track_script=st.lists(st.builds(Tracked, NAME), max_size=2, unique_by=_name).map(tuple),
    track_interface=st.lists(_tracked(253), max_size=2, unique_by=_name).map(tuple),
    sync_group_tracking_weight=st.booleans(),
)
TRACK_FILES = st.builds(
    TrackFileConfig,
    NAME,
    st.builds(lambda n: "/tmp/" + n, NAME),
    weight=st.integers(-254, 254),
    weight_reverse=st.booleans(),
    init_file=st.booleans(),
)

CONFIGS = st.builds(
    KeepalivedConfig,
    global_defs=st.builds(
        GlobalDefs,
        router_id=st.none() | TEXT,
        notification_email=st.lists(NAME, max_size=2).map(tuple),
        smtp_server=st.none() | IPV4,
        enable_script_security=st.just(True),
        script_user=st.just("root"),
        vrrp_version=st.sampled_from([2, 3]),
        lvs_flush=st.booleans(),
    ),
    vrrp_scripts=st.lists(
        st.builds(
            VrrpScriptConfig,
            NAME,
            st.builds(Script, TEXT),
            interval=SECONDS,
            weight=st.integers(-253, 253),
            rise=st.integers(1, 9),
        ),
        max_size=2,
    ).map(tuple),
    vrrp_instances=st.lists(instances(), max_size=3).map(tuple),
    virtual_servers=st.lists(
        VIRTUAL_SERVERS | FWMARK_SERVERS | GROUP_SERVERS | IPV6_SERVERS, max_size=3
    ).map(tuple),
    virtual_server_groups=st.lists(GROUPS, max_size=2).map(tuple),
    vrrp_sync_groups=st.lists(SYNC_GROUPS, max_size=2).map(tuple),
    track_files=st.lists(TRACK_FILES, max_size=2).map(tuple),
)


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(CONFIGS)
def test_written_model_reads_back_identical(config: KeepalivedConfig) -> None:
    text = write_config(config)
    assert parse_config(text).config == config, text


WORDS = st.sampled_from(
    [
        "{",
        "}",
        "vrrp_instance",
        "virtual_server",
        "real_server",
        "global_defs",
        "state",
        "MASTER",
        "priority",
        "300",
        "include",
        "includem",
        "x*",
        "@a",
        "@^a",
        "$X=",
        "$X= \\",
        "${_HASH}",
        "includea",
        "includeb",
        "includer",
        "$X",
        "${X}",
        "~SEQ(i,3)",
        "~LST(a,b)",
        "~SEQ(",
        '"',
        "'",
        "\\",
        "#",
        "!",
        "\n",
        " ",
        "TCP_CHECK",
        "url",
        "10.0.0.1",
        "fwmark",
        "group",
        "virtual_ipaddress",
        "advert_int",
        "0.5",
        "authentication",
        "auth_pass",
        "${_RANDOM 1 5}",
        "~SEQx(i,1,2,9)",
        "~LST({a,b},{1,2})",
        "virtual_routes",
        "static_rules",
        "from",
        "dev",
        "lb_kind",
        "FNAT",
        "1.2.3.4-9",
        "quorum",
        "UDP_CHECK",
        "payload",
    ]
)


@settings(max_examples=300)
@given(st.one_of(st.text(max_size=300), st.lists(WORDS, max_size=60).map(" ".join)))
def test_any_text_only_ever_raises_config_error(text: str) -> None:
    with contextlib.suppress(ConfigError):
        parse_config(text, name="/nonexistent/fuzz.conf")
