"""pyipvsadm's pure formatters on value objects, for what the kernel tier cannot produce quickly
(counters above 2**32). Expected lines follow ipvsadm 1.31's column layout, as recorded in
tests/data/ipvsadm/ipvsadm-1.31-golden-outputs.txt (``-L -n --stats --exact``)."""

from __future__ import annotations

from pyipvs.cli.ipvsadm.format import Format, listing
from pyipvs.ipvs.model import RealServer, Stats, VirtualService


def test_server_counters_keep_64_bits() -> None:
    """Deliberate difference: ipvsadm shows real-server counters modulo 2**32."""
    big = 2**32 + 5
    vs = VirtualService("tcp", "10.0.0.1", 80, stats=Stats(bytes_in=big))
    rs = RealServer("192.168.0.2", 80, stats=Stats(bytes_in=big))
    text = listing([(vs, [rs])], Format(numeric=True, stats=True, exact=True))
    assert text.splitlines()[2:] == [
        "TCP  10.0.0.1:80                         0        0        0 4294967301        0",
        "  -> 192.168.0.2:80                      0        0        0 4294967301        0",
    ]


def test_large_marks_are_listed_signed_and_saved_unsigned() -> None:
    """-L prints a mark with %d as ipvsadm does; -S keeps it unsigned (deliberate difference,
    checked against the real ipvsadm in tests/kernel/test_pyipvsadm_differential.py)."""
    vs = VirtualService(fwmark=4_000_000_000, scheduler="rr")
    assert listing([(vs, [])], Format(numeric=True)).splitlines()[2:] == ["FWM  -294967296 rr"]
    assert listing([(vs, [])], Format(numeric=True, rule=True)) == "-A -f 4000000000 -s rr\n"


def test_save_writes_the_persistence_engine_of_any_service() -> None:
    """ipvsadm 1.31 -S writes --pe whether or not the service is persistent (before -o);
    -L shows it only after "persistent"."""
    vs = VirtualService("udp", "10.0.0.9", 5060, scheduler="rr", one_packet=True, pe_name="sip")
    assert listing([(vs, [])], Format(numeric=True, rule=True)) == (
        "-A -u 10.0.0.9:5060 -s rr --pe sip -o\n"
    )
    assert listing([(vs, [])], Format(numeric=True)).splitlines()[2:] == [
        "UDP  10.0.0.9:5060 rr ops"
    ]
