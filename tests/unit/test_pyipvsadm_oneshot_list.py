"""``-L -n`` made in C (csrc/ipvs_list.c, the console script's one-shot listing) against the
formatter of value objects (pyipvs.cli.ipvsadm.format, held to ipvsadm by the kernel tier):
the same text for any table, in both orders, ipvsadm's wrapping comparator included (no
kernel needed: the C text is made from records packed here)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from pyipvs._native import ffi, lib

from pyipvs._bindings.ipvs_requests import DEST, SVC
from pyipvs.cli.ipvsadm import oneshot
from pyipvs.cli.ipvsadm.format import Format, listing
from pyipvs.cli.ipvsadm.options import parse
from pyipvs.ipvs import convert

U32 = 2**32 - 1
HEADER = "IP Virtual Server version 1.2.1 (size=4096)\n"


def _address(af: int) -> st.SearchStrategy[bytes]:
    if af == 10:
        special = st.sampled_from([b"\0" * 15 + b"\1", b"\0" * 10 + b"\xff\xff\1\2\3\4"])
        return st.one_of(st.binary(min_size=16, max_size=16), special)
    # Small and far-apart IPv4 addresses: ipvsadm's comparator wraps past 2**31 apart.
    small = st.integers(0x0A000000, 0x0A0000FF)
    return st.one_of(small, st.integers(0, U32)).map(
        lambda n: n.to_bytes(4, "big").ljust(16, b"\0")
    )


@st.composite
def service_records(draw: st.DrawFn) -> tuple[Any, ...]:
    af = draw(st.sampled_from([2, 2, 2, 10]))
    fwmark = draw(st.one_of(st.just(0), st.just(0), st.integers(1, U32)))
    flags = draw(st.sampled_from([0, 1, 4, 5])) | (draw(st.integers(0, 7)) << 3)
    netmask = draw(st.integers(1, 128)) if af == 10 else draw(st.sampled_from([U32, 0xFFFFFF00]))
    return (
        af,
        draw(st.sampled_from([6, 17, 132])),
        b"\0" * 16 if fwmark else draw(_address(af)),
        0 if fwmark else draw(st.integers(0, 65535)),
        fwmark,
        draw(st.sampled_from([b"rr", b"wlc", b"sh", b"mh", b"fo"])),
        flags,
        U32,
        draw(st.integers(0, U32)),
        netmask,
        draw(st.sampled_from([b"", b"sip"])),
        *(0,) * 10,
    )


@st.composite
def dest_records(draw: st.DrawFn) -> tuple[Any, ...]:
    af = draw(st.sampled_from([2, 2, 2, 10]))
    return (
        af,
        draw(_address(af)),
        draw(st.integers(0, 65535)),
        draw(st.integers(0, 7)),  # forwarding method, with values the kernel does not define
        draw(st.integers(0, 2**31 - 1)),
        0,
        0,
        0,
        0,
        0,
        draw(st.integers(0, U32)),
        draw(st.integers(0, U32)),
        0,
        0,
        *(0,) * 10,
    )


def c_listing(table: list[tuple[tuple[Any, ...], list[tuple[Any, ...]]]], nosort: bool) -> str:
    services = len(table)
    dests = sum(len(servers) for _, servers in table)
    svcs = ffi.new("struct pyipvs_ipvs_svc[]", max(services, 1))
    dsts = ffi.new("struct pyipvs_ipvs_dest[]", max(dests, 1))
    n = 0
    for i, (svc, servers) in enumerate(table):
        ffi.memmove(svcs + i, SVC.pack(*svc), SVC.size)
        for t in servers:
            ffi.memmove(dsts + n, DEST.pack(*t[:13], i, *t[14:]), DEST.size)
            n += 1
    text = ffi.new("char[]", 256 + 160 * services + 128 * dests)
    state = ffi.new("struct pyipvs_ipvs_list *")
    state.svcs, state.dests, state.text = svcs, dsts, text
    state.order = order = ffi.new("uint32_t[]", 3 * (services + dests) + 1)
    state.svc_cap, state.dest_cap, state.text_cap = services, dests, len(text)
    state.n_svcs, state.n_dests, state.nosort = services, dests, nosort
    assert order is not None
    assert lib.pyipvs_ipvs_list_text(state, 0x010201, 4096) == 0
    return ffi.buffer(text, state.text_len)[:].decode()


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.tuples(service_records(), st.lists(dest_records(), max_size=6)), max_size=8),
    st.booleans(),
)
def test_the_c_listing_matches_the_value_object_listing(
    table: list[tuple[tuple[Any, ...], list[tuple[Any, ...]]]], nosort: bool
) -> None:
    objects = [
        (convert.service_from(svc), [convert.dest_from(t) for t in servers])
        for svc, servers in table
    ]
    expected = listing(objects, Format(numeric=True, nosort=nosort), HEADER)
    assert c_listing(table, nosort) == expected


def test_too_small_a_text_is_reported() -> None:
    state = ffi.new("struct pyipvs_ipvs_list *")
    text = ffi.new("char[]", 16)
    state.text, state.text_cap = text, 16
    state.order = order = ffi.new("uint32_t[]", 1)
    assert order is not None
    assert lib.pyipvs_ipvs_list_text(state, 0x010201, 4096) == -28  # -ENOSPC


def test_the_one_shot_listings_are_the_plain_numeric_listing() -> None:
    """Each command line the one-shot path lists for is what the full parser reads as the
    plain numeric listing, with --nosort where the one-shot path keeps the kernel's order."""
    for argv, nosort in oneshot._PLAIN_LISTINGS.items():
        inv = parse(list(argv), "ipvsadm")
        assert inv.command == "list", argv
        assert inv.options == ({"numeric", "nosort"} if nosort else {"numeric"}), argv
        assert not inv.json
    assert oneshot.listing(["-L", "-n", "--stats"]) is None
    assert oneshot.listing(["-L"]) is None
