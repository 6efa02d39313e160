# SPDX-License-Identifier: Apache-2.0
"""Operations spelled in ipvsadm's syntax read back as the same operation by pyipvsadm's own
command-line parser (ipvsadm 1.31's grammar), for generated services and real servers."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pyipvs import RealServer, Timeouts, VirtualService
from pyipvs.cli.ipvsadm.options import parse
from pyipvs.cli.ipvsadm.rules import operation
from pyipvs.ipvs import ops
from pyipvs.ipvs.ipvsadm_syntax import operation_line, operation_words

v4 = st.ip_addresses(v=4).map(str)
ports = st.integers(1, 65535)
weights = st.integers(0, 65535)
thresholds = st.integers(0, 2**31 - 1)


@st.composite
def addressed(draw: st.DrawFn) -> VirtualService:
    protocol = draw(st.sampled_from(["tcp", "udp", "sctp"]))
    return VirtualService(
        protocol,
        draw(v4),
        draw(ports),
        scheduler=draw(st.sampled_from(["rr", "wrr", "wlc", "lc", "sh"])),
        persistence_timeout=draw(st.none() | st.integers(1, 86400)),
        one_packet=protocol == "udp" and draw(st.booleans()),  # ipvsadm: UDP only
    )


marked = st.builds(
    lambda mark, v6: VirtualService(fwmark=mark, family="inet6" if v6 else "inet"),
    st.integers(1, 2**31 - 1),
    st.booleans(),
)
services = addressed() | marked


@st.composite
def servers(draw: st.DrawFn, vs: VirtualService) -> RealServer:
    forward = draw(st.sampled_from(["masq", "route", "tunnel"]))
    return RealServer(
        draw(v4),
        draw(ports) if forward == "masq" else (vs.port or 0),  # ipvsadm: only NAT maps the port
        weight=draw(weights),
        forward=forward,
        upper_threshold=draw(thresholds),
        lower_threshold=draw(thresholds),
    )


service_and_server = addressed().flatmap(lambda vs: st.tuples(st.just(vs), servers(vs)))


def read_back(op: ops.Operation) -> ops.Operation | None:
    return operation(parse(operation_words(op), "pyipvsadm"))


def key(vs: VirtualService) -> tuple[object, ...]:
    return (vs.fwmark, vs.family, vs.protocol, vs.address, vs.port)


@given(st.sampled_from([ops.AddService, ops.EditService]), services)
def test_service_changes_read_back_whole(kind: type[ops.AddService], vs: VirtualService) -> None:
    assert read_back(kind(vs)) == kind(vs)


@given(services)
def test_a_service_delete_reads_back_with_its_key(vs: VirtualService) -> None:
    back = read_back(ops.DeleteService(vs))
    assert isinstance(back, ops.DeleteService)
    assert key(back.vs) == key(vs)


@given(st.sampled_from([ops.AddRealServer, ops.EditRealServer]), service_and_server)
def test_real_server_changes_read_back_whole(
    kind: type[ops.AddRealServer], pair: tuple[VirtualService, RealServer]
) -> None:
    vs, rs = pair
    back = read_back(kind(vs, rs))
    assert isinstance(back, kind)
    assert (key(back.vs), back.rs) == (key(vs), rs)


@given(service_and_server)
def test_a_real_server_delete_reads_back_with_its_keys(
    pair: tuple[VirtualService, RealServer],
) -> None:
    vs, rs = pair
    back = read_back(ops.DeleteRealServer(vs, rs))
    assert isinstance(back, ops.DeleteRealServer)
    assert (key(back.vs), back.rs.address, back.rs.port) == (key(vs), rs.address, rs.port)


def test_the_brief_example_reads_as_an_engineer_types_it() -> None:
    vs = VirtualService("tcp", "192.168.0.1", 80, scheduler="wlc", persistence_timeout=50)
    rs = RealServer("192.168.0.12", 80, weight=20, forward="masq")
    assert operation_line(ops.AddService(vs)) == "-A -t 192.168.0.1:80 -s wlc -p 50"
    assert (
        operation_line(ops.AddRealServer(vs, rs))
        == "-a -t 192.168.0.1:80 -r 192.168.0.12:80 -m -w 20"
    )
    assert operation_line(ops.DeleteRealServer(vs, rs)) == "-d -t 192.168.0.1:80 -r 192.168.0.12:80"
    assert operation_line(ops.Flush()) == "-C"
    assert operation_line(ops.SetTimeouts(Timeouts(900, 120, 300))) == "--set 900 120 300"
