"""Our frames on a real veth, decoded by tshark's dissectors (VRRP, ARP, ICMPv6): fields as
sent and checksum status good.

A veth pair lives in a fresh network namespace; frames go out of one end through an AF_PACKET
socket while tshark captures on the other with a capture filter and a packet count."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from pyipvs.vrrp import VrrpPacket, gratuitous_arp, unsolicited_na, vrrp_mac

TSHARK = "/usr/bin/tshark"
SENDER = """
import socket, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
for line in sys.stdin:
    s.send(bytes.fromhex(line.strip()))
    time.sleep(0.01)
"""
VRRP_FIELDS = [
    "vrrp.version", "vrrp.type", "vrrp.virt_rtr_id", "vrrp.prio", "vrrp.addr_count",
    "vrrp.auth_type", "vrrp.adver_int", "vrrp.short_adver_int", "vrrp.checksum",
    "vrrp.checksum.status", "vrrp.ip_addr", "vrrp.ipv6_addr", "ip.ttl", "ipv6.hlim",
]  # fmt: skip
GOOD = "1"  # Wireshark's PROTO_CHECKSUM_E_GOOD


@pytest.fixture
def veth(netns: str) -> str:
    run = ["ip", "-n", netns]
    subprocess.run([*run, "link", "add", "va", "type", "veth", "peer", "name", "vb"], check=True)
    for name in ("va", "vb"):
        subprocess.run([*run, "link", "set", name, "up"], check=True)
    return netns


def ethernet(dst: str, src: bytes, ethertype: int, payload: bytes) -> bytes:
    return bytes.fromhex(dst.replace(":", "")) + src + ethertype.to_bytes(2, "big") + payload


def capture(netns: str, frames: list[bytes], capture_filter: str, fields: list[str],
            prefs: tuple[str, ...] = ()) -> list[dict[str, str]]:  # fmt: skip
    """Sends frames out of va and returns tshark's decode of what arrived on vb."""
    command = ["ip", "netns", "exec", netns, TSHARK, "-l", "-n", "-i", "vb",
               "-f", capture_filter, "-c", str(len(frames)), "-a", "duration:30",
               "-T", "fields", "-E", "separator=|"]  # fmt: skip
    for pref in prefs:
        command += ["-o", pref]
    for field in fields:
        command += ["-e", field]
    tshark = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert tshark.stderr is not None
    _wait_until_capturing(tshark.stderr)
    subprocess.run(
        ["ip", "netns", "exec", netns, sys.executable, "-c", SENDER, "va"],
        input="".join(f.hex() + "\n" for f in frames),
        text=True,
        check=True,
    )
    out, err = tshark.communicate(timeout=60)
    lines = [line for line in out.splitlines() if line]
    assert len(lines) == len(frames), err
    return [dict(zip(fields, line.split("|"), strict=True)) for line in lines]


def _wait_until_capturing(stderr: object) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = stderr.readline()  # type: ignore[attr-defined]
        if "Capture started" in line:
            time.sleep(0.5)  # the message comes just before the capture filter is attached
            return
        if not line:
            break
    raise AssertionError("tshark did not start capturing")


V2 = VrrpPacket(2, 42, 150, ["192.0.2.100", "192.0.2.101"], 1, 1, b"secret")
V3_4 = VrrpPacket(3, 43, 200, ["192.0.2.110"], 0.35)
V3_6 = VrrpPacket(3, 44, 250, ["fe80::200:5eff:fe00:22c", "2001:db8::44"], 1.5)


def vrrp_frame(p: VrrpPacket, pseudo_header: bool = True) -> bytes:
    if p.family == 6:
        data = p.to_ip(src="fe80::1", v3_ipv4_pseudo_header=pseudo_header)
        return ethernet("33:33:00:00:00:12", vrrp_mac(p.vrid, 6), 0x86DD, data)
    data = p.to_ip(src="192.0.2.1", v3_ipv4_pseudo_header=pseudo_header)
    return ethernet("01:00:5e:00:00:12", vrrp_mac(p.vrid), 0x0800, data)


def check(decoded: dict[str, str], p: VrrpPacket, wire: bytes) -> None:
    assert decoded["vrrp.version"] == str(p.version)
    assert decoded["vrrp.type"] == "1"
    assert decoded["vrrp.virt_rtr_id"] == str(p.vrid)
    assert decoded["vrrp.prio"] == str(p.priority)
    assert decoded["vrrp.addr_count"] == str(len(p.addresses))
    header = 54 if p.family == 6 else 34
    assert int(decoded["vrrp.checksum"], 16) == int.from_bytes(wire[header + 6 : header + 8], "big")
    assert decoded["vrrp.checksum.status"] == GOOD
    addresses = decoded["vrrp.ipv6_addr" if p.family == 6 else "vrrp.ip_addr"].split(",")
    assert addresses == [str(a) for a in p.addresses]
    if p.version == 2:
        assert decoded["vrrp.auth_type"] == str(p.auth_type)
        assert decoded["vrrp.adver_int"] == str(int(p.advert_interval))
        assert decoded["ip.ttl"] == "255"
    else:
        assert decoded["vrrp.short_adver_int"] == str(p.interval_units)
        assert decoded["ipv6.hlim" if p.family == 6 else "ip.ttl"] == "255"


def test_tshark_decodes_our_adverts_with_good_checksums(veth: str) -> None:
    packets = [V2, V3_4, V3_6]
    frames = [vrrp_frame(p) for p in packets]
    decoded = capture(veth, frames, "ip proto 112 or ip6 proto 112", VRRP_FIELDS)
    for got, p, frame in zip(decoded, packets, frames, strict=True):
        check(got, p, frame)


def test_tshark_accepts_rfc9568_v3_ipv4_checksums_in_its_v2_mode(veth: str) -> None:
    frame = vrrp_frame(V3_4, pseudo_header=False)
    prefs = ("vrrp.v3_checksum_as_in_v2:TRUE",)
    (got,) = capture(veth, [frame], "ip proto 112", VRRP_FIELDS, prefs)
    check(got, V3_4, frame)
    (default,) = capture(veth, [frame], "ip proto 112", VRRP_FIELDS)
    assert default["vrrp.checksum.status"] != GOOD  # the other convention really differs


def test_tshark_decodes_gratuitous_arp_and_unsolicited_na(veth: str) -> None:
    mac = vrrp_mac(44, 6)
    frames = [
        gratuitous_arp(vrrp_mac(42), "192.0.2.100"),
        unsolicited_na(mac, "fe80::1", "2001:db8::44", router=True),
    ]
    fields = ["arp.opcode", "arp.isgratuitous", "arp.src.proto_ipv4", "icmpv6.type",
              "icmpv6.nd.na.flag.o", "icmpv6.nd.na.target_address", "icmpv6.opt.linkaddr",
              "icmpv6.checksum.status"]  # fmt: skip
    arp, na = capture(veth, frames, "arp or (icmp6 and ip6[40] == 136)", fields)
    assert (arp["arp.opcode"], arp["arp.isgratuitous"]) == ("1", "1")
    assert arp["arp.src.proto_ipv4"] == "192.0.2.100"
    assert na["icmpv6.type"] == "136"
    assert na["icmpv6.nd.na.flag.o"] in ("1", "True")
    assert na["icmpv6.nd.na.target_address"] == "2001:db8::44"
    assert na["icmpv6.opt.linkaddr"] == "00:00:5e:00:02:2c"
    assert na["icmpv6.checksum.status"] == GOOD


RECEIVER = """
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(int(sys.argv[2], 16)))
s.bind((sys.argv[1], 0))
s.settimeout(20)
print("ready", flush=True)
wanted = int(sys.argv[3])
while wanted:
    data = s.recv(65535)
    if data[9 if data[0] >> 4 == 4 else 6] == 112:  # VRRP, not the kernel's own ND / DAD
        print(data.hex(), flush=True)
        wanted -= 1
"""


def receive(netns: str, frames: list[bytes], ethertype: int) -> list[bytes]:
    """Sends frames out of va; returns the IP packets a packet socket on vb got."""
    receiver = subprocess.Popen(
        ["ip", "netns", "exec", netns, sys.executable, "-c", RECEIVER, "vb",
         f"{ethertype:x}", str(len(frames))],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert receiver.stdout is not None
    assert receiver.stdout.readline().strip() == "ready"
    subprocess.run(
        ["ip", "netns", "exec", netns, sys.executable, "-c", SENDER, "va"],
        input="".join(f.hex() + "\n" for f in frames),
        text=True,
        check=True,
    )
    out, _ = receiver.communicate(timeout=30)
    return [bytes.fromhex(line) for line in out.split()]


def test_our_parser_accepts_what_crossed_the_veth(veth: str) -> None:
    # A NIC pads short frames to the 60-byte Ethernet minimum (a veth does not, so the padding
    # is added here); the packet socket hands it over and the parser must trust the IP length.
    short = VrrpPacket(2, 45, 100, ["192.0.2.120"], 1)
    sent4 = [short, V2, V3_4]
    frames = [vrrp_frame(p).ljust(60, b"\0") for p in sent4]
    got4 = receive(veth, frames, 0x0800)
    assert len(got4[0]) == 46 > len(short.to_ip(src="192.0.2.1"))
    assert [VrrpPacket.from_ip(data) for data in got4] == sent4
    got6 = receive(veth, [vrrp_frame(V3_6)], 0x86DD)
    assert VrrpPacket.from_ip(got6[0]) == V3_6
