"""RFC 1071 checksum: pyipvs (C through cffi) against scapy's and a pure-Python one, same run.

Prints calls per second for a 40-byte VRRP-sized message and a 1500-byte frame, and the ratios.
"""

from __future__ import annotations

import os
import struct
import time
from collections.abc import Callable

from scapy.utils import checksum as scapy_checksum
from where import print_where, take_json_path, write_json

from pyipvs.checksum import inet_checksum


def pure_python_checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def rate(fn: Callable[[bytes], int], data: bytes, seconds: float = 0.5) -> float:
    calls = 0
    start = time.perf_counter()
    deadline = start + seconds
    while True:
        for _ in range(1000):
            fn(data)
        calls += 1000
        now = time.perf_counter()
        if now >= deadline:
            return calls / (now - start)


def main() -> None:
    where = print_where()
    json_path = take_json_path("checksum", str(where["kind"]))
    rows: list[dict[str, object]] = []
    columns = ("size", "pyipvs/s", "scapy/s", "python/s", "vs scapy", "vs python")
    print("{:>6} {:>12} {:>12} {:>12} {:>9} {:>10}".format(*columns))
    for size in (40, 1500):
        data = os.urandom(size)
        assert inet_checksum(data) == scapy_checksum(data) == pure_python_checksum(data)
        ours = rate(inet_checksum, data)
        scapy = rate(scapy_checksum, data)
        python = rate(pure_python_checksum, data)
        print(
            f"{size:>6} {ours:>12,.0f} {scapy:>12,.0f} {python:>12,.0f} "
            f"{ours / scapy:>8.1f}x {ours / python:>9.1f}x"
        )
        for tool, value in (("pyipvs", ours), ("scapy", scapy), ("pure Python", python)):
            rows.append({"case": f"{size} bytes", "tool": tool, "value": round(value)})
    write_json(
        json_path, name="checksum", title="Internet checksum (RFC 1071)", where=where,
        unit="calls/s", lower_is_better=False, rows=rows, notes="calls in 0.5 s, per size",
    )  # fmt: skip


if __name__ == "__main__":
    main()
