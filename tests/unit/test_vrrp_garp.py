"""Gratuitous ARP and unsolicited NA frames, dissected by scapy."""

from __future__ import annotations

import pytest
from scapy.layers.inet6 import ICMPv6ND_NA, ICMPv6NDOptDstLLAddr, IPv6
from scapy.layers.l2 import ARP, Ether
from scapy.packet import raw

from pyipvs.errors import PyipvsValueError
from pyipvs.vrrp import gratuitous_arp, unsolicited_na, vrrp_mac


def test_vrrp_mac() -> None:
    assert vrrp_mac(7) == bytes.fromhex("00005e000107")
    assert vrrp_mac(255, 6) == bytes.fromhex("00005e0002ff")
    with pytest.raises(PyipvsValueError):
        vrrp_mac(0)


def test_gratuitous_arp() -> None:
    frame = Ether(gratuitous_arp("00:00:5e:00:01:07", "192.0.2.7"))
    assert frame.dst == "ff:ff:ff:ff:ff:ff"
    assert frame.src == "00:00:5e:00:01:07"
    arp = frame[ARP]
    assert (arp.hwtype, arp.ptype, arp.hwlen, arp.plen, arp.op) == (1, 0x0800, 6, 4, 1)
    assert (arp.hwsrc, arp.psrc, arp.pdst) == ("00:00:5e:00:01:07", "192.0.2.7", "192.0.2.7")
    assert arp.hwdst == "00:00:00:00:00:00"


@pytest.mark.parametrize("router", [True, False])
def test_unsolicited_na(router: bool) -> None:
    mac = vrrp_mac(9, 6)
    data = unsolicited_na(mac, "fe80::1", "2001:db8::9", router=router)
    frame = Ether(data)
    assert (frame.dst, frame.src, frame.type) == ("33:33:00:00:00:01", "00:00:5e:00:02:09", 0x86DD)
    ip6 = frame[IPv6]
    assert (ip6.src, ip6.dst, ip6.hlim, ip6.nh) == ("fe80::1", "ff02::1", 255, 58)
    na = frame[ICMPv6ND_NA]
    assert (na.type, na.code, na.R, na.S, na.O) == (136, 0, int(router), 0, 1)
    assert na.tgt == "2001:db8::9"
    assert frame[ICMPv6NDOptDstLLAddr].lladdr == "00:00:5e:00:02:09"
    # scapy recomputes the ICMPv6 checksum over the same fields: it must equal ours.
    copy = frame.copy()
    del copy[ICMPv6ND_NA].cksum
    assert Ether(raw(copy))[ICMPv6ND_NA].cksum == na.cksum


def test_bad_arguments() -> None:
    with pytest.raises(PyipvsValueError):
        gratuitous_arp("00:00:5e:00:01", "192.0.2.7")
    with pytest.raises(PyipvsValueError):
        gratuitous_arp("00:00:5e:00:01:07", "2001:db8::1")
    with pytest.raises(PyipvsValueError):
        unsolicited_na("zz:00:5e:00:01:07", "fe80::1", "2001:db8::1")
