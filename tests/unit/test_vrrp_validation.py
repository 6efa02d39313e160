"""Every drop reason, every single-byte corruption, and round trips over every field."""

from __future__ import annotations

import ipaddress
import pickle
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyipvs.checksum import inet_checksum
from pyipvs.errors import PyipvsError, PyipvsValueError
from pyipvs.vrrp import REASON_NAMES, VrrpPacket, VrrpPacketError, VrrpParser

V2 = VrrpPacket(2, 51, 150, ["10.0.0.1", "10.0.0.2"], 1, 1, b"secret")
V3_4 = VrrpPacket(3, 52, 100, ["10.0.0.1"], 0.5)
V3_6 = VrrpPacket(3, 53, 200, ["fe80::200:5eff:fe00:235", "2001:db8::5"], 1.0)
SRC4, SRC6 = "192.0.2.10", "fe80::10"


def wire(p: VrrpPacket, **kw: object) -> bytes:
    return p.to_ip(src=SRC6 if p.family == 6 else SRC4, **kw)  # type: ignore[arg-type]


def reason(packet: bytes, **expect: object) -> str:
    with pytest.raises(VrrpPacketError) as info:
        VrrpPacket.from_ip(packet, **expect)  # type: ignore[arg-type]
    assert isinstance(info.value, PyipvsError)
    assert REASON_NAMES[info.value.code] == info.value.reason
    return info.value.reason


def with_ipv4_header_checksum(packet: bytearray) -> bytes:
    packet[10:12] = b"\0\0"
    packet[10:12] = inet_checksum(bytes(packet[:20])).to_bytes(2, "big")
    return bytes(packet)


def set_byte(packet: bytes, offset: int, value: int) -> bytes:
    changed = bytearray(packet)
    changed[offset] = value
    return bytes(changed)


def fix_vrrp_checksum(p: bytes, start: int = 20) -> bytes:
    # v2 message-only checksum, for building otherwise-valid oddities.
    changed = bytearray(p)
    changed[start + 6 : start + 8] = b"\0\0"
    changed[start + 6 : start + 8] = inet_checksum(bytes(changed[start:])).to_bytes(2, "big")
    return bytes(changed)


# ---- each drop reason ----


def test_accepts_the_three_kinds() -> None:
    for p in (V2, V3_4, V3_6):
        assert VrrpPacket.from_ip(wire(p)) == p


def test_truncated_and_malformed_ip() -> None:
    good = wire(V2)
    assert reason(b"") == "truncated"
    assert reason(good[:19]) == "truncated"
    assert reason(good[:-1]) == "truncated"  # shorter than the IP total length
    assert reason(set_byte(good, 0, 0x55)) == "ip_header"  # version 5
    assert reason(with_ipv4_header_checksum(bytearray(set_byte(good, 0, 0x44)))) == "ip_header"
    assert reason(wire(V3_6)[:39]) == "truncated"
    assert reason(wire(V3_6)[:-1]) == "truncated"


def test_ip_checksum_fragment_protocol_ttl() -> None:
    good = wire(V2)
    assert reason(set_byte(good, 10, good[10] ^ 1)) == "ip_checksum"
    assert reason(with_ipv4_header_checksum(bytearray(set_byte(good, 6, 0x20)))) == "fragment"
    assert reason(with_ipv4_header_checksum(bytearray(set_byte(good, 9, 17)))) == "protocol"
    low_ttl = with_ipv4_header_checksum(bytearray(set_byte(good, 8, 254)))
    assert reason(low_ttl) == "ttl"
    assert VrrpPacket.from_ip(low_ttl, check_ttl=False) == V2
    assert reason(set_byte(wire(V3_6), 6, 58)) == "protocol"
    assert reason(set_byte(wire(V3_6), 7, 1)) == "ttl"


def test_version_type_length_no_addresses() -> None:
    good = wire(V2)
    assert reason(fix_vrrp_checksum(set_byte(good, 20, 0x41))) == "version"
    assert reason(fix_vrrp_checksum(set_byte(good, 20, 0x22))) == "type"
    assert reason(fix_vrrp_checksum(set_byte(good, 23, 3))) == "length"
    assert reason(good, version=3) == "version"
    # A v3 message with no addresses: 8 bytes, count 0, plain checksum (RFC 9568 style).
    empty = bytearray(b"\x31\x01\x64\x00\x00\x64\x00\x00")
    empty[6:8] = inet_checksum(bytes(empty)).to_bytes(2, "big")
    with pytest.raises(VrrpPacketError) as info:
        VrrpPacket.from_payload(
            bytes(empty), src=SRC4, dst="224.0.0.18", hop_limit=255, v3_ipv4_pseudo_header=False
        )
    assert info.value.reason == "no_addresses"


def test_v2_over_ipv6_is_a_version_error() -> None:
    message = V2.to_bytes()
    assert VrrpPacket.from_payload(message, src=SRC4, dst="224.0.0.18", hop_limit=255) == V2
    with pytest.raises(VrrpPacketError) as info:
        VrrpPacket.from_payload(message, src=SRC6, dst="ff02::12", hop_limit=255)
    assert info.value.reason == "version"


def test_checksum() -> None:
    for p in (V2, V3_4, V3_6):
        good = wire(p)
        assert reason(set_byte(good, len(good) - 1, good[-1] ^ 0x80)) == "checksum"


def test_vrid() -> None:
    assert reason(wire(V2), vrid=50) == "vrid"
    assert VrrpPacket.from_ip(wire(V2), vrid=51) == V2
    vrid0 = fix_vrrp_checksum(set_byte(wire(V2), 21, 0))
    assert reason(vrid0) == "vrid"


def test_auth_type_and_password() -> None:
    good = wire(V2)
    assert VrrpPacket.from_ip(good, auth_type=1, auth_data=b"secret") == V2
    assert VrrpPacket.from_ip(good, auth_type=1, auth_data="secret") == V2
    assert reason(good, auth_type=1, auth_data=b"secreT") == "auth_data"
    assert reason(good, auth_type=0) == "auth_type"
    no_auth = wire(VrrpPacket(2, 51, 150, ["10.0.0.1"], 1))
    assert reason(no_auth, auth_type=1, auth_data=b"secret") == "auth_type"
    assert reason(fix_vrrp_checksum(set_byte(good, 24, 2))) == "auth_type"  # AH, unknown here


def test_auth_data_is_ignored_without_authentication() -> None:
    """RFC 3768 5.3.10: auth type 0 carries zeros, and a receiver ignores what it finds there."""
    plain = VrrpPacket(2, 51, 150, ["10.0.0.1"], 1)
    noisy = fix_vrrp_checksum(wire(plain)[:-8] + b"garbage!")
    parsed = VrrpPacket.from_ip(noisy)
    assert parsed == plain
    assert parsed.auth_data == bytes(8)
    assert wire(parsed) == wire(plain)


def test_v2_interval_is_checked_v3_is_not() -> None:
    assert reason(wire(V2), advert_interval=2) == "interval"
    assert VrrpPacket.from_ip(wire(V2), advert_interval=1) == V2
    assert VrrpPacket.from_ip(wire(V3_4), advert_interval=2) == V3_4  # RFC 5798: learned


def test_address_list_is_reported_or_strictly_dropped() -> None:
    parser = VrrpParser(addresses=["10.0.0.2", "10.0.0.1"])
    assert not parser.receive_ip(wire(V2)).address_mismatch  # order does not matter
    other = VrrpParser(addresses=["10.0.0.9"])
    got = other.receive_ip(wire(V2))
    assert got.address_mismatch and got.packet == V2
    strict = VrrpParser(addresses=["10.0.0.9"], strict_addresses=True)
    with pytest.raises(VrrpPacketError) as info:
        strict.receive_ip(wire(V2))
    assert info.value.reason == "address_list"
    owner = VrrpPacket(2, 51, 255, ["10.0.0.1"], 1)
    assert strict.receive_ip(wire(owner)).address_mismatch  # the owner is accepted
    assert (
        VrrpParser(addresses=["fe80::200:5eff:fe00:235", "2001:db8::5"])
        .receive_ip(wire(V3_6))
        .address_mismatch
        is False
    )


def test_first_ipv6_address_should_be_link_local() -> None:
    assert not VrrpParser().receive_ip(wire(V3_6)).first_address_not_link_local
    global_first = VrrpPacket(3, 53, 200, ["2001:db8::5"], 1.0)
    assert VrrpParser().receive_ip(wire(global_first)).first_address_not_link_local


def test_received_addresses_and_hop_limit() -> None:
    got = VrrpParser().receive_ip(wire(V3_6))
    assert got.source == ipaddress.IPv6Address(SRC6)
    assert got.destination == ipaddress.IPv6Address("ff02::12")
    assert got.hop_limit == 255


def test_payload_input_types() -> None:
    message = V3_6.to_bytes(src=SRC6)
    for data in (message, bytearray(message), memoryview(message)):
        assert VrrpPacket.from_payload(data, src=SRC6, dst="ff02::12", hop_limit=255) == V3_6
    with pytest.raises(PyipvsValueError):
        VrrpPacket.from_payload(message, src=SRC4, dst="ff02::12", hop_limit=255)
    with pytest.raises(VrrpPacketError) as info:
        VrrpPacket.from_payload(message, src=SRC6, dst="ff02::12", hop_limit=64)
    assert info.value.reason == "ttl"
    assert VrrpPacket.from_ip(bytearray(wire(V2))) == V2


# ---- the encoder refuses what it cannot send ----


@pytest.mark.parametrize(
    "args",
    [
        (4, 1, 1, [], 1),  # version
        (2, 0, 1, [], 1),  # vrid 0
        (2, 1, 256, [], 1),  # priority
        (2, 1, 1, ["fe80::1"], 1),  # v2 over IPv6
        (3, 1, 1, [], 1),  # v3 without addresses
        (2, 1, 1, [], 0.5),  # v2 whole seconds
        (3, 1, 1, ["10.0.0.1"], 40.96),  # v3 12-bit centiseconds
        (3, 1, 1, ["10.0.0.1"], 0.015),
        (2, 1, 1, ["10.0.0.1", "fe80::1"], 1),  # mixed families
        (2, 1, 1, [], 1, 0, b"x"),  # data without auth type
        (2, 1, 1, [], 1, 1, b"123456789"),  # password > 8 bytes
        (3, 1, 1, ["10.0.0.1"], 1, 1),  # v3 has no authentication
    ],
)
def test_invalid_packets_cannot_be_built(args: tuple[object, ...]) -> None:
    with pytest.raises(PyipvsValueError):
        VrrpPacket(*args)  # type: ignore[arg-type]


def test_encoder_needs_a_source_for_v3() -> None:
    with pytest.raises(PyipvsValueError):
        V3_4.to_bytes()
    with pytest.raises(PyipvsValueError):
        V3_4.to_ip(src=SRC6)


# ---- every single-byte corruption ----

IPV4_ALLOWED = {
    **{i: {"ip_checksum"} for i in range(1, 20)},
    0: {"ip_header", "truncated", "ip_checksum", "protocol", "ttl", "length"},
    2: {"ip_header", "truncated", "ip_checksum"},
    3: {"ip_header", "truncated", "ip_checksum"},
}
IPV6_ALLOWED = {
    0: {"ip_header", "truncated", "ip_checksum", "protocol", "ttl", "length", "ignored"},
    **{i: {"ignored"} for i in (1, 2, 3)},  # traffic class and flow label
    4: {"truncated", "length"},
    5: {"truncated", "length"},
    6: {"protocol"},
    7: {"ttl"},
    **{i: {"checksum"} for i in range(8, 40)},  # in the pseudo-header
}
VRRP_ALLOWED = {0: {"version", "type", "length", "checksum"}, 3: {"length"}}


def allowed(p: VrrpPacket, offset: int) -> set[str]:
    header, table = (40, IPV6_ALLOWED) if p.family == 6 else (20, IPV4_ALLOWED)
    if offset < header:
        return table[offset]
    return VRRP_ALLOWED.get(offset - header, {"checksum"})


@pytest.mark.parametrize("p", [V2, V3_4, V3_6], ids=["v2", "v3-ipv4", "v3-ipv6"])
def test_every_single_byte_corruption_is_caught(p: VrrpPacket) -> None:
    good = wire(p)
    parser = VrrpParser()
    original = parser.receive_ip(good)
    for offset in range(len(good)):
        for value in range(256):
            if value == good[offset]:
                continue
            bad = set_byte(good, offset, value)
            try:
                got = parser.receive_ip(bad)
            except VrrpPacketError as exc:
                outcome = exc.reason
            else:
                outcome = "ignored" if got == original else "different"
            assert outcome in allowed(p, offset) | {"different"}, (offset, value, outcome)
            if outcome == "different":  # only possible where bytes are ignored on receipt
                assert offset < 4 and p.family == 6


def test_truncations_never_crash() -> None:
    for p in (V2, V3_4, V3_6):
        good = wire(p)
        for n in range(len(good)):
            with pytest.raises(VrrpPacketError):
                VrrpPacket.from_ip(good[:n])


# ---- hypothesis round trips over every field ----

ipv4 = st.builds(ipaddress.IPv4Address, st.integers(0, 2**32 - 1))
ipv6 = st.builds(ipaddress.IPv6Address, st.integers(0, 2**128 - 1))


@st.composite
def packets(draw: st.DrawFn) -> VrrpPacket:
    version = draw(st.sampled_from([2, 3]))
    family = 4 if version == 2 else draw(st.sampled_from([4, 6]))
    addresses = draw(st.lists(ipv4 if family == 4 else ipv6, min_size=version - 2, max_size=255))
    vrid = draw(st.integers(1, 255))
    priority = draw(st.integers(0, 255))
    if version == 3:
        return VrrpPacket(3, vrid, priority, addresses, draw(st.integers(0, 4095)) / 100)
    auth_type = draw(st.sampled_from([0, 1]))
    auth = draw(st.binary(max_size=8)) if auth_type else b""
    return VrrpPacket(2, vrid, priority, addresses, draw(st.integers(0, 255)), auth_type, auth)


@settings(max_examples=300, deadline=None)
@given(p=packets(), pseudo=st.booleans(), src=st.integers(1, 2**32 - 1))
def test_round_trip_whole_packet(p: VrrpPacket, pseudo: bool, src: int) -> None:
    source = ipaddress.IPv4Address(src) if p.family == 4 else ipaddress.IPv6Address(src)
    data = p.to_ip(src=source, v3_ipv4_pseudo_header=pseudo)
    got = VrrpParser(v3_ipv4_pseudo_header=pseudo).receive_ip(data)
    assert got.packet == p
    # from_ip reuses decoded values of repeated messages: twice, to hit that path.
    for _ in range(2):
        assert VrrpPacket.from_ip(data, v3_ipv4_pseudo_header=pseudo) == p
    assert got.source == source
    assert got.packet.to_ip(src=source, v3_ipv4_pseudo_header=pseudo) == data


@settings(max_examples=300, deadline=None)
@given(p=packets(), dst=st.integers(1, 2**32 - 1))
def test_round_trip_message(p: VrrpPacket, dst: int) -> None:
    src = SRC6 if p.family == 6 else SRC4
    dest = ipaddress.IPv4Address(dst) if p.family == 4 else ipaddress.IPv6Address(dst)
    message = p.to_bytes(src=src, dst=dest)
    assert VrrpPacket.from_payload(message, src=src, dst=dest, hop_limit=255) == p


# ---- batches ----


def test_batch_counts_reasons_and_decodes_accepted() -> None:
    good = [wire(V2), wire(V3_4), wire(V3_6)]
    bad = [b"", set_byte(good[0], 10, 0), set_byte(good[2], 7, 1)]
    result = VrrpParser().parse_batch(good + bad)
    assert (result.total, result.accepted) == (6, 3)
    assert result.counts == {"accept": 3, "truncated": 1, "ip_checksum": 1, "ttl": 1}
    assert [result.reason(i) for i in range(6)] == [
        "accept", "accept", "accept", "truncated", "ip_checksum", "ttl",
    ]  # fmt: skip
    assert [r.packet for r in result.received()] == [V2, V3_4, V3_6]


def test_batch_from_fixed_slots() -> None:
    slot = 128
    packets = [wire(V2), wire(V3_6), wire(V3_4)]
    buffer = bytearray(slot * len(packets))
    for i, p in enumerate(packets):
        buffer[i * slot : i * slot + len(p)] = p
    result = VrrpParser(vrid=52).parse_batch(buffer, [len(p) for p in packets], stride=slot)
    assert result.counts == {"accept": 1, "vrid": 2}
    assert [r.packet for r in result.received()] == [V3_4]


def test_batch_offsets_outside_the_buffer_are_truncated() -> None:
    data = wire(V2)
    result = VrrpParser().parse_batch(data, [len(data), 10, 2**31], offsets=[0, len(data), 5])
    assert [result.reason(i) for i in range(3)] == ["accept", "truncated", "truncated"]


def test_batch_needs_lengths_for_one_buffer() -> None:
    with pytest.raises(PyipvsValueError):
        VrrpParser().parse_batch(wire(V2))


def test_batch_back_to_back_lengths_past_the_end_are_truncated() -> None:
    data = wire(V3_4)
    result = VrrpParser().parse_batch(data * 2, [len(data), len(data) + 1, 0])
    assert [result.reason(i) for i in range(3)] == ["accept", "truncated", "truncated"]
    result = VrrpParser().parse_batch([b"", data, b"\x45", data])
    assert [result.reason(i) for i in range(4)] == ["truncated", "accept", "truncated", "accept"]
    assert [r.packet for r in result.received()] == [V3_4, V3_4]


# ---- the decoded values ----


def _public_decoding(data: bytes) -> tuple[object, ...]:
    """What from_ip must return, decoded here with the public ipaddress constructors."""
    start = (data[0] & 0x0F) * 4 if data[0] >> 4 == 4 else 40
    message = data[start:]
    version, count = message[0] >> 4, message[3]
    size = 16 if data[0] >> 4 == 6 else 4
    cls = ipaddress.IPv6Address if size == 16 else ipaddress.IPv4Address
    addresses = tuple(cls(message[8 + size * i : 8 + size * (i + 1)]) for i in range(count))
    if version == 2:
        auth_type = message[4]
        auth = message[-8:] if auth_type else bytes(8)
        interval: float = float(message[5])
    else:
        auth_type, auth, interval = 0, b"", (int.from_bytes(message[4:6], "big") & 0xFFF) / 100
    checksum = int.from_bytes(message[6:8], "big")
    return version, message[1], message[2], addresses, interval, auth_type, auth, checksum


def _fields(p: VrrpPacket) -> tuple[object, ...]:
    return (
        p.version, p.vrid, p.priority, p.addresses, p.advert_interval, p.auth_type, p.auth_data,
        p.checksum,
    )  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(p=packets())
def test_decoded_fields_match_the_public_constructors(p: VrrpPacket) -> None:
    data = wire(p)
    got = VrrpParser().parse_ip(data)
    expected = _public_decoding(data)
    assert _fields(got) == expected
    assert type(got.advert_interval) is float
    for mine, theirs in zip(got.addresses, expected[3], strict=True):  # type: ignore[call-overload]
        assert type(mine) is type(theirs)
        assert (str(mine), repr(mine), hash(mine), mine.packed) == (
            str(theirs), repr(theirs), hash(theirs), theirs.packed,
        )  # fmt: skip
        assert mine.is_private == theirs.is_private and mine.is_multicast == theirs.is_multicast
        assert pickle.loads(pickle.dumps(mine)) == theirs
        assert mine in ipaddress.ip_network(f"{theirs}/{theirs.max_prefixlen}")


def test_public_constructors_decode_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    # Where the trusted ipaddress constructors do not apply, the public ones take over.
    from pyipvs.vrrp import codec as parser_module

    assert parser_module._trusted_constructors_work()
    monkeypatch.setattr(parser_module, "_ipv4", parser_module._public_ipv4)
    monkeypatch.setattr(parser_module, "_ipv6", parser_module._public_ipv6)
    parser = VrrpParser()
    for p in (V2, V3_4, V3_6, VrrpPacket(2, 9, 1, ["192.0.2.7"], 4)):
        assert _fields(parser.parse_ip(wire(p))) == _public_decoding(wire(p))


def test_a_repeated_advert_reuses_its_value_and_is_still_checked() -> None:
    parser = VrrpParser()
    a, b = VrrpPacket(2, 7, 100, ["10.0.0.7"], 1), VrrpPacket(3, 8, 100, ["10.0.0.8"], 1.0)
    first_a, first_b = parser.parse_ip(wire(a)), parser.parse_ip(wire(b))
    assert parser.parse_ip(wire(a)) is first_a and parser.parse_ip(wire(b)) is first_b
    # Another IP header around the same message: the same value.
    other_id = with_ipv4_header_checksum(bytearray(set_byte(wire(a), 4, 0x12)))
    assert parser.parse_ip(other_id) is first_a
    # Every check still runs on a repeat.
    with pytest.raises(VrrpPacketError):
        parser.parse_ip(set_byte(wire(a), 8, 64))
    with pytest.raises(VrrpPacketError):
        VrrpParser(vrid=8).parse_ip(wire(a))
    # A VRID's new advert replaces its old one, and the old one decodes afresh.
    a2 = VrrpPacket(2, 7, 101, ["10.0.0.7"], 1)
    assert parser.parse_ip(wire(a2)) == a2
    again = parser.parse_ip(wire(a))
    assert again == a and again is not first_a
    # Messages too long to remember decode every time, correctly.
    big = VrrpPacket(3, 9, 5, [f"2001:db8::{i}" for i in range(1, 6)], 1.0)
    assert parser.parse_ip(wire(big)) == big and parser.parse_ip(wire(big)) == big


@settings(max_examples=200, deadline=None)
@given(
    pool=st.lists(packets(), min_size=1, max_size=6),
    order=st.lists(st.integers(0, 5), min_size=1, max_size=40),
    vrid=st.integers(1, 3),
)
def test_interleaved_adverts_decode_like_fresh_ones(
    pool: list[VrrpPacket], order: list[int], vrid: int
) -> None:
    # Few VRIDs, so that adverts of one VRID keep replacing each other.
    pool = [VrrpPacket(p.version, 1 + (p.vrid + vrid) % 3, p.priority, p.addresses,
                       p.advert_interval, p.auth_type, p.auth_data) for p in pool]  # fmt: skip
    parser = VrrpParser()
    for i in order:
        data = wire(pool[i % len(pool)])
        assert _fields(parser.parse_ip(data)) == _public_decoding(data)


def test_threads_do_not_share_output_buffers() -> None:
    failures: list[object] = []

    def work(p: VrrpPacket) -> None:
        data = wire(p)
        for _ in range(3000):
            if (
                VrrpPacket.from_ip(data) != p
                or VrrpPacket.from_ip(p.to_ip(src=SRC6 if p.family == 6 else SRC4)) != p
            ):
                failures.append(p)
                return

    threads = [threading.Thread(target=work, args=(p,)) for p in (V2, V3_4, V3_6) * 2]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures


def test_addresses_of_the_other_family_mismatch() -> None:
    parser = VrrpParser(addresses=["10.0.0.1", "10.0.0.2"])  # V3_6 also carries 2 addresses
    assert parser.receive_ip(wire(V3_6)).address_mismatch
    assert VrrpParser(addresses=[]).receive_ip(wire(V2)).address_mismatch


def test_reason_names_follow_the_c_enum() -> None:
    from pyipvs._native import lib

    assert len(REASON_NAMES) == lib.PYIPVS_VRRP_DROP_COUNT
    assert lib.PYIPVS_VRRP_ACCEPT == 0
    for code, name in enumerate(REASON_NAMES[1:], start=1):
        assert getattr(lib, f"PYIPVS_VRRP_DROP_{name.upper()}") == code


def test_many_distinct_messages_decode_correctly() -> None:
    # More distinct messages than the decoded-value cache holds: evictions must not matter.
    for i in range(5000):
        p = VrrpPacket(3, 1 + i % 255, i % 256, [ipaddress.IPv4Address(i)], (i % 4096) / 100)
        assert VrrpPacket.from_ip(p.to_ip(src=SRC4)) == p


def test_payload_batch_for_ipv6_raw_sockets() -> None:
    good = V3_6.to_bytes(src=SRC6)
    other_src = VrrpPacket(3, 53, 100, ["fe80::1"], 1.0).to_bytes(src="fe80::99")
    messages = [good, good, other_src, good[:-1]]
    result = VrrpParser().parse_payload_batch(
        messages,
        sources=[SRC6, "fe80::11", "fe80::99", SRC6],  # the second one's checksum then fails
        hop_limits=[255, 255, 255, 255],
    )
    assert [result.reason(i) for i in range(4)] == ["accept", "checksum", "accept", "length"]
    got = list(result.received())
    assert [r.packet for r in got] == [V3_6, VrrpPacket(3, 53, 100, ["fe80::1"], 1.0)]
    assert [str(r.source) for r in got] == [SRC6, "fe80::99"]
    assert str(got[0].destination) == "ff02::12"


def test_payload_batch_packed_addresses_and_ipv4() -> None:
    message = V3_4.to_bytes(src=SRC4)
    packed = ipaddress.IPv4Address(SRC4).packed.ljust(16, b"\0")
    result = VrrpParser().parse_payload_batch(
        message * 3, [len(message)] * 3, sources=packed * 3, hop_limits=bytes([255, 64, 255]),
        family=4,
    )  # fmt: skip
    assert result.counts == {"accept": 2, "ttl": 1}
    with pytest.raises(PyipvsValueError):
        VrrpParser().parse_payload_batch([message], sources=[SRC6], hop_limits=255, family=4)
    with pytest.raises(PyipvsValueError):
        VrrpParser().parse_payload_batch([message], sources=[SRC4], hop_limits=256, family=4)
