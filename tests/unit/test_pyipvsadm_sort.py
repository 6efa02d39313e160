"""ipvsadm's sort order, including its wrapping comparator (see pyipvs.cli.ipvsadm.sort)."""

from __future__ import annotations

import random

from pyipvs.cli.ipvsadm.sort import compare_words, glibc_msort, sort_like_ipvsadm


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
