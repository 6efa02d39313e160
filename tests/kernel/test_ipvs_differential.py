"""Randomised differential test: the same operation sequence applied through pyipvs in one
namespace and through ipvsadm -R in another ends in identical tables (``ipvsadm -S -n`` of
both, and pyipvs's own listing of both, which also shows what -S omits, e.g. thresholds)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ipvsadm_util import add_service_line, real_server_args, run_in, save, service_args

from pyipvs import Ipvs, RealServer, VirtualService, ops

# Identities: a small pool so that sequences collide (duplicates, deletes of missing, ...).
KEYS = [
    ("tcp", "10.0.0.1", 80, None, "inet"),
    ("udp", "10.0.0.2", 53, None, "inet"),
    ("sctp", "2001:db8::1", 443, None, "inet6"),
    (None, None, None, 7, "inet"),
]
RS_HOSTS = {"inet": ["10.1.0.1", "10.1.0.2"], "inet6": ["2001:db8:1::1", "2001:db8:1::2"]}
SCHEDULERS = ["rr", "wrr", "lc", "wlc", "sh", "mh"]


@st.composite
def services(draw: st.DrawFn) -> VirtualService:
    proto, host, port, fwmark, family = draw(st.sampled_from(KEYS))
    scheduler = draw(st.sampled_from(SCHEDULERS))
    persistent = draw(st.booleans())
    flags: frozenset[str] = frozenset()
    if scheduler in ("sh", "mh"):
        flags = draw(st.frozensets(st.sampled_from([f"{scheduler}-fallback", f"{scheduler}-port"])))
    return VirtualService(
        proto,
        host,
        port,
        fwmark=fwmark,
        family=family,
        scheduler=scheduler,
        persistence_timeout=draw(st.integers(1, 3600)) if persistent else None,
        one_packet=draw(st.booleans()) if proto in ("udp", None) else False,
        sched_flags=flags,
    )


@st.composite
def real_servers(draw: st.DrawFn, vs: VirtualService) -> RealServer:
    forward = draw(st.sampled_from(["masq", "route", "tunnel"]))
    upper = draw(st.integers(0, 1000))
    tunnel: dict[str, object] = {}
    if forward == "tunnel" and draw(st.booleans()):
        tunnel = {
            "tunnel_type": "gue",
            "tunnel_port": draw(st.integers(1, 65535)),
            "tunnel_checksum": draw(st.sampled_from(["nocsum", "csum", "remcsum"])),
        }
    return RealServer(
        draw(st.sampled_from(RS_HOSTS[str(vs.family)])),
        vs.port or 0,  # ipvsadm forces the service port for -g/-i; use it for all
        weight=draw(st.integers(0, 100)),
        forward=forward,
        upper_threshold=upper,
        lower_threshold=draw(st.integers(0, upper)),
        **tunnel,  # type: ignore[arg-type]
    )


@st.composite
def operations(draw: st.DrawFn) -> ops.Operation:
    vs = draw(services())
    kind = draw(
        st.sampled_from(
            ["add", "add", "edit", "delete", "add_rs", "add_rs", "edit_rs", "delete_rs"]
        )
    )
    if kind == "add":
        return ops.AddService(vs)
    if kind == "edit":
        return ops.EditService(vs)
    if kind == "delete":
        return ops.DeleteService(vs)
    rs = draw(real_servers(vs))
    return {
        "add_rs": ops.AddRealServer,
        "edit_rs": ops.EditRealServer,
        "delete_rs": ops.DeleteRealServer,
    }[kind](vs, rs)


def ipvsadm_line(op: ops.Operation) -> str:
    if isinstance(op, ops.AddService):
        return " ".join(add_service_line(op.vs, "-A"))
    if isinstance(op, ops.EditService):
        return " ".join(add_service_line(op.vs, "-E"))
    if isinstance(op, ops.DeleteService):
        return " ".join(["-D", *service_args(op.vs)])
    command = {ops.AddRealServer: "-a", ops.EditRealServer: "-e", ops.DeleteRealServer: "-d"}
    assert isinstance(op, (ops.AddRealServer, ops.EditRealServer, ops.DeleteRealServer))
    return " ".join(real_server_args(op.vs, op.rs, command[type(op)]))


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(batch=st.lists(operations(), min_size=1, max_size=25))
def test_pyipvs_and_ipvsadm_end_in_the_same_table(
    ipvs_netns: str, peer_netns: str, batch: list[ops.Operation]
) -> None:
    with Ipvs(netns=ipvs_netns) as ours, Ipvs(netns=peer_netns) as theirs:
        ours.flush()
        theirs.flush()
        ours.apply(batch)
        rules = "\n".join(ipvsadm_line(op) for op in batch) + "\n"
        run_in(peer_netns, "ipvsadm", "-R", stdin=rules, check=False)
        assert save(ipvs_netns) == save(peer_netns)
        assert ours.table() == theirs.table()
        for vs, servers in ours.table().items():
            mine = {rs.key: (rs.upper_threshold, rs.lower_threshold) for rs in servers}
            other = {
                rs.key: (rs.upper_threshold, rs.lower_threshold) for rs in theirs.real_servers(vs)
            }
            assert mine == other
