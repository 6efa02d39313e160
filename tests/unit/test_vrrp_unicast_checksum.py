# SPDX-License-Identifier: Apache-2.0
"""keepalived's two VRRPv3-over-IPv4 unicast checksums (``old_unicast_checksum``): the old form
carries 224.0.0.18 in the pseudo-header, the new one the peer's address. What each mode sends
and accepts, and the switch keepalived's default makes on an old-form advert; the config
keyword with keepalived 2.2.7's words and line numbers."""

from __future__ import annotations

import ipaddress
import struct

import pytest

from pyipvs.checksum import inet_checksum, ipv4_pseudo_checksum
from pyipvs.config import parse_config
from pyipvs.errors import VrrpPacketError
from pyipvs.vrrp import VrrpPacket
from pyipvs.vrrp.codec import VrrpParser
from pyipvs.vrrp.unicast_checksum import UnicastChecksum

SRC = ipaddress.IPv4Address("10.77.0.2")
PEER = ipaddress.IPv4Address("10.77.0.3")
GROUP = "224.0.0.18"
ADVERT = VrrpPacket(3, 77, 150, ("10.77.0.5",), 0.1)


def as_sent(data: bytes) -> bytes:
    """What the peer receives: the kernel fills in an IP_HDRINCL packet's header checksum."""
    header = bytearray(data[:20])
    header[10:12] = b"\0\0"
    header[10:12] = struct.pack("!H", inet_checksum(bytes(header)))
    return bytes(header) + data[20:]


def sent_by(mode: str) -> bytes:
    return as_sent(UnicastChecksum(VrrpParser(), mode).encode(ADVERT, SRC, PEER, True))


def test_the_old_form_has_the_group_in_the_pseudo_header_and_the_peer_in_the_ip_header() -> None:
    old, new = sent_by("always"), sent_by("auto")
    assert old[16:20] == new[16:20] == PEER.packed
    assert ipv4_pseudo_checksum(SRC, GROUP, 112, old[20:]) == 0
    assert ipv4_pseudo_checksum(SRC, PEER, 112, new[20:]) == 0
    assert old[20:] != new[20:]
    assert sent_by("never") == new


@pytest.mark.parametrize(("mode", "accepts_old", "accepts_new"), [
    ("always", True, False),
    ("never", False, True),
])  # fmt: skip
def test_always_and_never_accept_one_form(mode: str, accepts_old: bool, accepts_new: bool) -> None:
    for data, accepted in ((sent_by("always"), accepts_old), (sent_by("auto"), accepts_new)):
        checksum = UnicastChecksum(VrrpParser(), mode)
        if accepted:
            received, switched = checksum.receive(data)
            assert (received.packet, received.source, switched) == (ADVERT, SRC, False)
        else:
            with pytest.raises(VrrpPacketError) as caught:
                checksum.receive(data)
            assert caught.value.reason == "checksum"


def test_auto_takes_the_new_form_and_switches_on_an_old_one_for_good() -> None:
    checksum = UnicastChecksum(VrrpParser(), "auto")
    assert checksum.receive(sent_by("auto"))[1] is False
    assert checksum.old is False
    received, switched = checksum.receive(sent_by("always"))
    assert (received.packet, switched, checksum.old) == (ADVERT, True, True)
    assert as_sent(checksum.encode(ADVERT, SRC, PEER, True)) == sent_by("always")
    with pytest.raises(VrrpPacketError):  # keepalived too: once old, only old
        checksum.receive(sent_by("auto"))


def test_auto_keeps_a_bad_checksum_a_bad_checksum() -> None:
    data = bytearray(sent_by("auto"))
    data[-1] ^= 0xFF  # the last address byte: neither form's checksum fits
    checksum = UnicastChecksum(VrrpParser(), "auto")
    with pytest.raises(VrrpPacketError) as caught:
        checksum.receive(bytes(data))
    assert (caught.value.reason, checksum.old) == ("checksum", False)


def test_where_it_does_not_apply_nothing_changes() -> None:
    checksum = UnicastChecksum(VrrpParser(), "always", applies=False)
    assert (checksum.mode, checksum.old) == ("never", False)
    assert as_sent(checksum.encode(ADVERT, SRC, PEER, True)) == sent_by("auto")


def test_an_unknown_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="old_unicast_checksum"):
        UnicastChecksum(VrrpParser(), "sometimes")


VI = (
    "vrrp_instance VI_1 {{\n interface eth0\n virtual_router_id 51\n{body}\n"
    " virtual_ipaddress {{\n  10.0.0.5\n }}\n}}\n"
)


@pytest.mark.parametrize(("body", "value"), [
    ("", None),
    (" old_unicast_checksum", "always"),
    (" old_unicast_checksum never", "never"),
])  # fmt: skip
def test_the_keyword(body: str, value: str | None) -> None:
    result = parse_config(VI.format(body=body), name="t.conf")
    assert list(result.diagnostics) == []
    assert result.config.vrrp_instances[0].old_unicast_checksum == value


def test_an_unknown_mode_is_reported_at_its_line_and_ignored() -> None:
    result = parse_config(VI.format(body=" old_unicast_checksum sometimes"), name="t.conf")
    assert [(d.file, d.line, d.message) for d in result.diagnostics] == [
        ("t.conf", 4, "(VI_1) Unknown old_unicast_chksum mode sometimes - ignoring")
    ]
    assert result.config.vrrp_instances[0].old_unicast_checksum is None
