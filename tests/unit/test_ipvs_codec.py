"""The C codec without a kernel: requests encoded and parsed back, and golden replies recorded
from a real kernel (tests/data/ipvs, see provenance.txt there)."""

from __future__ import annotations

import ipaddress
import struct
from pathlib import Path

import pytest

from pyipvs import RealServer, VirtualService
from pyipvs.ipvs import convert as codec
from pyipvs.ipvs import convert as req

DATA = Path(__file__).resolve().parent.parent / "data" / "ipvs"

SERVICES = [
    VirtualService("tcp", "10.0.0.1", 80, scheduler="rr"),
    VirtualService("udp", "10.0.0.3", 53, scheduler="sh", sched_flags={"sh-port"}, one_packet=True),
    VirtualService("sctp", "10.0.0.4", 3868, persistence_timeout=600, netmask="255.255.0.0"),
    VirtualService("udp", "10.0.0.6", 5060, persistence_timeout=60, pe_name="sip"),
    VirtualService("tcp", "2001:db8::1", 443, persistence_timeout=30, netmask=48),
    VirtualService(fwmark=42, scheduler="mh", sched_flags={"mh-fallback", "mh-port"}),
    VirtualService(fwmark=2**32 - 1, family="inet6", sched_flags={"flag-3"}),
]
REAL_SERVERS = [
    RealServer(
        "10.1.0.1", 8080, weight=65535, forward="masq", upper_threshold=2**31 - 1, lower_threshold=5
    ),
    RealServer(
        "2001:db8::10",
        80,
        forward="tunnel",
        tunnel_type="gue",
        tunnel_port=6080,
        tunnel_checksum="remcsum",
    ),
    RealServer("10.1.0.2", 0, forward="tunnel", tunnel_type="gre", tunnel_checksum="csum"),
    RealServer("10.1.0.3", 1, weight=0, forward="bypass"),
    RealServer("10.1.0.4", 2, forward="local"),
]


def split(blob: bytes) -> list[bytes]:
    out, off = [], 0
    while off < len(blob):
        (length,) = struct.unpack_from("=I", blob, off)
        out.append(blob[off : off + length])
        off += (length + 3) & ~3
    return out


@pytest.mark.parametrize("vs", SERVICES, ids=str)
def test_service_request_round_trips(vs: VirtualService) -> None:
    message = codec.encode_request(req.CMD_NEW_SERVICE, vs)
    back = codec.decode_service(message)
    assert back == vs
    assert (back.scheduler, back.sched_flags, back.netmask, back.pe_name) == (
        vs.scheduler,
        vs.sched_flags,
        vs.netmask,
        vs.pe_name,
    )


@pytest.mark.parametrize("rs", REAL_SERVERS, ids=lambda rs: str(rs.address))
def test_dest_request_round_trips(rs: RealServer) -> None:
    message = codec.encode_request(req.CMD_NEW_DEST, SERVICES[0], rs)
    assert codec.decode_dest(message) == rs


def test_wire_encodings() -> None:
    """ip_vs.h quirks: be16 ports, be32 IPv4 netmask, host-order IPv6 prefix."""
    v4 = codec.encode_request(req.CMD_NEW_SERVICE, SERVICES[2])
    assert struct.pack(">H", 3868) in v4 and bytes([255, 255, 0, 0]) in v4
    v6 = codec.encode_request(req.CMD_NEW_SERVICE, SERVICES[4])
    assert struct.pack("=HHI", 8, 9, 48) in v6  # NETMASK attribute: prefix 48, host order


def test_identifying_requests_carry_only_the_key() -> None:
    full = codec.encode_request(req.CMD_NEW_SERVICE, SERVICES[0])
    key = codec.encode_request(req.CMD_DEL_SERVICE, SERVICES[0])
    assert len(key) < len(full) and b"rr\0" not in key


def test_golden_service_dump_from_the_kernel() -> None:
    messages = split((DATA / "service_dump.bin").read_bytes())
    services = {str(vs): vs for vs in map(codec.decode_service, messages)}
    assert set(services) == {"TCP 10.0.0.1:80", "UDP [2001:db8::1]:53", "FWM 42"}
    tcp = services["TCP 10.0.0.1:80"]
    assert (tcp.scheduler, tcp.persistence_timeout, tcp.netmask) == (
        "rr",
        None,
        ipaddress.IPv4Address("255.255.255.255"),
    )
    udp = services["UDP [2001:db8::1]:53"]
    assert (udp.scheduler, udp.persistence_timeout, udp.netmask, udp.sched_flags) == (
        "sh",
        60,
        64,
        frozenset({"sh-port"}),
    )
    fwm = services["FWM 42"]
    assert fwm.one_packet and fwm.sched_flags == {"mh-fallback", "mh-port"}
    assert all(vs.stats is not None and vs.stats.connections == 0 for vs in services.values())


def test_golden_dest_dump_from_the_kernel() -> None:
    messages = split((DATA / "dest_dump.bin").read_bytes())
    dests = {rs.port: rs for rs in map(codec.decode_dest, messages)}
    assert dests[8080] == RealServer(
        "10.1.0.1", 8080, weight=3, forward="masq", upper_threshold=100, lower_threshold=10
    )
    assert dests[80] == RealServer(
        "10.1.0.2",
        80,
        forward="tunnel",
        tunnel_type="gue",
        tunnel_port=6080,
        tunnel_checksum="csum",
    )


def test_parser_skips_unknown_attributes_and_padding() -> None:
    message = bytearray(codec.encode_request(req.CMD_NEW_SERVICE, SERVICES[0]))
    # Append an unknown attribute (type 99) and a zero-length one inside the service nest.
    extra = struct.pack("=HHI", 8, 99, 0xDEADBEEF) + struct.pack("=HH", 4, 0)
    nest_len = struct.unpack_from("=H", message, 20)[0]
    struct.pack_into("=H", message, 20, nest_len + len(extra))
    message[20 + nest_len : 20 + nest_len] = extra
    struct.pack_into("=I", message, 0, len(message))
    assert codec.decode_service(bytes(message)) == SERVICES[0]


def test_truncated_message_is_rejected() -> None:
    from pyipvs.errors import ProtocolError

    message = codec.encode_request(req.CMD_NEW_SERVICE, SERVICES[0])
    broken = bytearray(message[:30])
    struct.pack_into("=I", broken, 0, len(broken))
    with pytest.raises(ProtocolError):
        codec.decode_service(bytes(broken))
