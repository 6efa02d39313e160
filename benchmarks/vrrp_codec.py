"""VRRP codec throughput: pyipvs (per call and batch) against scapy and pure-Python ``struct``.

Run: ``.venv/bin/python benchmarks/vrrp_codec.py [--quick]``. Every figure is measured in this
run, best of several repetitions, and printed with its ratio to the peers. The pure-Python
implementation below is the straightforward one a Python project would write: ``struct`` for
the fields, a Python RFC 1071 sum for the checksum.
"""

from __future__ import annotations

import argparse
import ipaddress
import itertools
import struct
import sys
import time
from collections.abc import Callable

from scapy.layers.inet import IP
from scapy.layers.vrrp import VRRP, VRRPv3
from scapy.packet import raw
from where import print_where, take_json_path, write_json

from pyipvs.vrrp import VrrpPacket, VrrpParser

SRC = "192.0.2.1"
PACKETS = {
    "v2": VrrpPacket(2, 1, 100, ["192.0.2.100"], 1),
    "v3": VrrpPacket(3, 1, 100, ["192.0.2.100"], 1.0),
}

# ---- the pure-Python peer ----

_IPV4 = struct.Struct("!BBHHHBBH4s4s")
_VRRP = struct.Struct("!BBBBBBH")


def _py_checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def py_parse(packet: bytes, verify_checksum: bool = True) -> tuple[object, ...]:
    """Parses and validates an IPv4 VRRP packet (v2, or v3 with the IPv4 pseudo-header)."""
    vihl, _, total, _, _, ttl, proto, _, src, dst = _IPV4.unpack_from(packet)
    ihl = (vihl & 0x0F) * 4
    if vihl >> 4 != 4 or proto != 112 or ttl != 255 or total > len(packet):
        raise ValueError("bad IP header")
    message = packet[ihl:total]
    vt, vrid, prio, count, b4, b5, csum = _VRRP.unpack_from(message)
    version = vt >> 4
    if version not in (2, 3) or vt & 0x0F != 1:
        raise ValueError("bad version/type")
    if len(message) != 8 + 4 * count + (8 if version == 2 else 0):
        raise ValueError("bad length")
    if verify_checksum:
        covered = message
        if version == 3:
            covered = src + dst + struct.pack("!BBH", 0, 112, len(message)) + message
        if _py_checksum(covered) != 0:
            raise ValueError("bad checksum")
    addresses = tuple(ipaddress.IPv4Address(message[8 + 4 * i : 12 + 4 * i]) for i in range(count))
    interval = float(b5) if version == 2 else (((b4 & 0x0F) << 8) | b5) / 100
    return version, vrid, prio, addresses, interval, csum


def py_build(p: VrrpPacket, src: bytes, dst: bytes) -> bytes:
    addrs = b"".join(a.packed for a in p.addresses)
    if p.version == 2:
        head = _VRRP.pack(0x21, p.vrid, p.priority, len(p.addresses), 0, int(p.advert_interval), 0)
        message = head + addrs + bytes(8)
        csum = _py_checksum(message)
    else:
        cs = round(p.advert_interval * 100)
        head = _VRRP.pack(0x31, p.vrid, p.priority, len(p.addresses), cs >> 8, cs & 0xFF, 0)
        message = head + addrs
        csum = _py_checksum(src + dst + struct.pack("!BBH", 0, 112, len(message)) + message)
    message = message[:6] + struct.pack("!H", csum) + message[8:]
    header = _IPV4.pack(0x45, 0xC0, 20 + len(message), 0, 0, 255, 112, 0, src, dst)
    header = header[:10] + struct.pack("!H", _py_checksum(header)) + header[12:]
    return header + message


# ---- timing ----


def rate(fn: Callable[[], object], per_call: int, budget: float) -> float:
    """Packets per second, best of 5 runs of about budget/5 seconds each."""
    calls = 1
    while True:
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        elapsed = time.perf_counter() - start
        if elapsed > 0.05:
            break
        calls *= 4
    calls = max(1, int(calls * (budget / 5) / elapsed))
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        best = min(best, time.perf_counter() - start)
    return calls * per_call / best


def scapy_packet(name: str) -> bytes:
    layer = VRRP(vrid=1, priority=100, addrlist=["192.0.2.100"], adv=1)
    if name == "v3":
        layer = VRRPv3(vrid=1, priority=100, addrlist=["192.0.2.100"], adv=100)
    return raw(IP(src=SRC, dst="224.0.0.18", ttl=255) / layer)


def scapy_parse(packet: bytes, name: str) -> tuple[object, ...]:
    layer = IP(packet)[VRRP if name == "v2" else VRRPv3]
    return layer.version, layer.vrid, layer.priority, layer.addrlist, layer.adv, layer.chksum


def measure(name: str, budget: float, batch_size: int) -> list[tuple[str, float]]:
    p = PACKETS[name]
    wire = p.to_ip(src=SRC)
    assert wire[20:] == scapy_packet(name)[20:], "peers must see the same message"
    assert py_parse(wire)[:3] == (p.version, p.vrid, p.priority)
    assert py_build(p, ipaddress.IPv4Address(SRC).packed, bytes([224, 0, 0, 18]))[20:] == wire[20:]
    parser = VrrpParser()
    parse_ip = parser.parse_ip
    from_ip = VrrpPacket.from_ip
    buffer = wire * batch_size
    lengths = [len(wire)] * batch_size
    assert parser.parse_batch(buffer, lengths, stride=len(wire)).accepted == batch_size
    packets = [bytes(wire) for _ in range(batch_size)]
    src4, dst4 = ipaddress.IPv4Address(SRC).packed, bytes([224, 0, 0, 18])
    scapy_wire = scapy_packet(name)
    # 8192 distinct messages cycled over 255 VRIDs: each VRID's message differs from the one
    # before it (priority and address change), so no value is reused and every call decodes
    # afresh (a receiver seeing a new advertisement).
    fresh = [
        VrrpPacket(p.version, 1 + i % 255, i % 256, [ipaddress.IPv4Address(i)], 1).to_ip(src=SRC)
        for i in range(8192)
    ]
    fresh_iter = itertools.cycle(fresh)
    return [
        ("pyipvs VrrpPacket.from_ip, repeated advert", rate(lambda: from_ip(wire), 1, budget)),
        (
            "pyipvs from_ip, never-seen messages",
            rate(lambda: from_ip(next(fresh_iter)), 1, budget),
        ),
        ("pyipvs VrrpParser.parse_ip, repeated advert", rate(lambda: parse_ip(wire), 1, budget)),
        (
            f"pyipvs parse_batch, one buffer x {batch_size}",
            rate(lambda: parser.parse_batch(buffer, lengths, stride=len(wire)), batch_size, budget),
        ),
        (
            f"pyipvs parse_batch, list of {batch_size} bytes",
            rate(lambda: parser.parse_batch(packets), batch_size, budget),
        ),
        ("pure Python struct parse + checksum", rate(lambda: py_parse(wire), 1, budget)),
        ("pure Python struct parse, no checksum", rate(lambda: py_parse(wire, False), 1, budget)),
        ("scapy parse (no checksum check)", rate(lambda: scapy_parse(scapy_wire, name), 1, budget)),
        ("pyipvs VrrpPacket.to_ip (build)", rate(lambda: p.to_ip(src=SRC), 1, budget)),
        ("pure Python struct build", rate(lambda: py_build(p, src4, dst4), 1, budget)),
        ("scapy build", rate(lambda: scapy_packet(name), 1, budget)),
    ]


def main() -> int:
    where = print_where()
    json_path = take_json_path("vrrp_codec", str(where["kind"]))
    rows: list[dict[str, object]] = []
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--quick", action="store_true", help="shorter runs (noisier)")
    args.add_argument("--batch", type=int, default=1024, help="packets per batch call")
    opts = args.parse_args()
    budget = 0.5 if opts.quick else 2.0
    print(f"Python {sys.version.split()[0]}; best of 5; packets per second")
    for name in PACKETS:
        results = measure(name, budget, opts.batch)
        ours = results[0][1]
        py = results[5][1]
        scapy = results[7][1]
        print(f"\nVRRP{name} over IPv4, 1 address ({len(PACKETS[name].to_ip(src=SRC))} bytes)")
        print(f"{'':44} {'packets/s':>12} {'vs from_ip':>10} {'vs py+csum':>10} {'vs scapy':>9}")
        for label, value in results:
            print(
                f"{label:44} {value:12,.0f} {value / ours:9.2f}x {value / py:9.2f}x "
                f"{value / scapy:8.1f}x"
            )
            rows.append({"case": f"VRRP{name}", "tool": label, "value": round(value)})
    write_json(
        json_path, name="vrrp_codec", title="VRRP packet parse and build", where=where,
        unit="packets/s", lower_is_better=False, rows=rows, notes="best of 5",
    )  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
