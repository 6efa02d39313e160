"""``-L -n``'s fast path (real-server lines from C records) against the formatter of value
objects: the same text for any table, in both orders (no kernel needed)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from pyipvs._bindings.ipvs_requests import DEST, DEST_NO_STATS
from pyipvs.cli.ipvsadm import fastlist
from pyipvs.cli.ipvsadm.format import Format, listing
from pyipvs.ipvs import convert
from pyipvs.ipvs.model import VirtualService

U32 = 2**32 - 1
HEADER = "IP Virtual Server version 1.2.1 (size=4096)\n"


def _address(af: int) -> st.SearchStrategy[bytes]:
    if af == 10:
        return st.binary(min_size=16, max_size=16)
    # Small and far-apart IPv4 addresses: ipvsadm's comparator wraps past 2**31 apart.
    small = st.integers(0x0A000000, 0x0A0000FF)
    return st.one_of(small, st.integers(0, U32)).map(
        lambda n: n.to_bytes(4, "big").ljust(16, b"\0")
    )


@st.composite
def records(draw: st.DrawFn) -> tuple[Any, ...]:
    af = draw(st.sampled_from([2, 2, 2, 10]))
    counters = [draw(st.integers(0, U32)) for _ in range(3)]
    return (
        af,
        draw(_address(af)),
        draw(st.integers(0, 65535)),
        draw(st.integers(0, 7)),  # forwarding method, with values the kernel does not define
        draw(st.integers(0, U32)),
        draw(st.integers(0, U32)),
        draw(st.integers(0, U32)),
        draw(st.integers(0, 2)),
        draw(st.integers(0, 65535)),
        draw(st.integers(0, 2)),
        *counters,
        0,
        *(draw(st.integers(0, 2**64 - 1)) for _ in range(10)),
    )


SERVICES = [
    VirtualService("tcp", "10.0.0.1", 80, scheduler="rr"),
    VirtualService("udp", "2001:db8::1", 53, scheduler="sh", sched_flags={"sh-port"}),
    VirtualService(fwmark=7, persistence_timeout=300, scheduler="wlc"),
    VirtualService("tcp", "192.168.0.1", 443, persistence_timeout=60, netmask="255.255.255.0"),
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(records(), max_size=12), min_size=1, max_size=4), st.booleans())
def test_record_lines_match_the_value_object_listing(
    servers: list[list[tuple[Any, ...]]], nosort: bool
) -> None:
    fmt = Format(numeric=True, nosort=nosort)
    assert fastlist.applies(fmt)
    rows = list(zip(SERVICES, servers, strict=False))
    objects = [(vs, [convert.dest_from(t) for t in recs]) for vs, recs in rows]
    expected = listing(objects, fmt, HEADER)
    assert fastlist.listing(rows, fmt, HEADER) == expected
    # What Ipvs.table_records gives: the records without their stats (DEST_NO_STATS).
    short = [(vs, [t[:14] for t in recs]) for vs, recs in rows]
    assert fastlist.listing(short, fmt, HEADER) == expected


@given(records())
def test_the_layout_without_stats_unpacks_the_same_first_fields(record: tuple[Any, ...]) -> None:
    packed = DEST.pack(*record)
    assert DEST_NO_STATS.size == DEST.size
    assert DEST_NO_STATS.unpack(packed) == record[:14]


def test_only_the_plain_numeric_listing_takes_the_fast_path() -> None:
    assert fastlist.applies(Format(numeric=True, exact=True))
    others = [
        Format(),
        Format(numeric=True, rule=True),
        Format(numeric=True, stats=True),
        Format(numeric=True, rate=True),
        Format(numeric=True, thresholds=True),
        Format(numeric=True, persistent_conn=True),
        Format(numeric=True, tun_info=True),
    ]
    assert [fmt for fmt in others if fastlist.applies(fmt)] == []
