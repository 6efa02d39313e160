"""ipvsadm's sort order, including its wrapping comparator (see pyipvs.cli.ipvsadm_sort)."""

from __future__ import annotations

import random

from pyipvs.cli.ipvsadm_sort import compare_words, glibc_msort, sort_like_ipvsadm


def test_unsigned_difference_wraps_like_a_c_int() -> None:
    ten, one_nine_two = 0x0A000001, 0xC0A80001
    assert compare_words((ten,), (one_nine_two,)) > 0  # (int)(0x0A000001 - 0xC0A80001) > 0
    assert compare_words((ten,), (0x0B000001,)) < 0


def test_key_sort_and_merge_sort_agree_without_wrap() -> None:
    rng = random.Random(7)
    items = [(rng.randrange(2**30), rng.randrange(65536)) for _ in range(200)]
    expected = glibc_msort(items, compare_words)
    assert sort_like_ipvsadm(items, lambda item: item) == expected == sorted(items)


def test_wrapping_inputs_use_the_merge_sort() -> None:
    items = [(0xC0A80001,), (0x0A000001,), (0x01000001,), (0xC8000001,)]
    assert sort_like_ipvsadm(items, lambda item: item) == glibc_msort(items, compare_words)


def test_wrapping_order_and_signed_marks_as_ipvsadm_prints_them() -> None:
    """Recorded in the VM: real ipvsadm 1.31 -L -n over this table (kernel order = input)."""
    import io

    from fake_ipvs import FakeIpvs

    from pyipvs.cli.ipvsadm import execute
    from pyipvs.model import VirtualService

    kernel_order = [
        VirtualService("tcp", "127.0.0.1", 80, scheduler="rr"),
        VirtualService("tcp", "200.0.0.1", 80, scheduler="rr"),
        VirtualService("tcp", "1.0.0.1", 80, scheduler="rr"),
        VirtualService("tcp", "192.168.0.1", 80, scheduler="rr"),
        VirtualService("tcp", "10.0.0.1", 80, scheduler="rr"),
        VirtualService("tcp", "2001:db8::1", 443, scheduler="wrr", persistence_timeout=360),
        VirtualService("udp", "10.0.0.3", 53, scheduler="sh"),
        VirtualService("tcp", "10.0.0.2", 443, scheduler="wlc"),
        VirtualService(fwmark=4000000000, scheduler="rr"),
        VirtualService(fwmark=3, scheduler="rr"),
        VirtualService(fwmark=42, scheduler="mh"),
        VirtualService(fwmark=43, family="inet6", scheduler="rr"),
    ]
    out = io.StringIO()
    fake = FakeIpvs(entries=[(vs, []) for vs in kernel_order])
    execute(["-L", "-n"], "ipvsadm", out, io.StringIO(), ipvs=fake)  # type: ignore[arg-type]
    assert out.getvalue().splitlines()[3:] == [
        "FWM  -294967296 rr",
        "TCP  10.0.0.2:443 wlc",
        "TCP  127.0.0.1:80 rr",
        "TCP  192.168.0.1:80 rr",
        "TCP  200.0.0.1:80 rr",
        "TCP  1.0.0.1:80 rr",
        "TCP  10.0.0.1:80 rr",
        "UDP  10.0.0.3:53 sh",
        "TCP  [2001:db8::1]:443 wrr persistent 360",
        "FWM  3 rr",
        "FWM  42 mh",
        "FWM  43 IPv6 rr",
    ]


def test_save_writes_marks_unsigned() -> None:
    """Deliberate difference: ipvsadm -S writes -294967296, which its -R refuses."""
    import io

    from fake_ipvs import FakeIpvs

    from pyipvs.cli.ipvsadm import execute
    from pyipvs.model import VirtualService

    fake = FakeIpvs(entries=[(VirtualService(fwmark=4000000000, scheduler="rr"), [])])
    out = io.StringIO()
    execute(["-S", "-n"], "ipvsadm", out, io.StringIO(), ipvs=fake)  # type: ignore[arg-type]
    assert out.getvalue() == "-A -f 4000000000 -s rr\n"
    restored = FakeIpvs()
    assert (
        execute(
            ["-R"],
            "ipvsadm",
            io.StringIO(),
            io.StringIO(),
            ipvs=restored,  # type: ignore[arg-type]
            stdin=io.StringIO(out.getvalue()),
        )
        == 0
    )
    assert restored.entries[0][0].fwmark == 4000000000
