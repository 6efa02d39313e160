# SPDX-License-Identifier: Apache-2.0
"""The order ipvsadm lists services and real servers in.

ipvsadm sorts with ``qsort`` and comparators that subtract unsigned 32-bit fields into a C
``int`` (fwmark, then family, protocol, address as host-order integers, port). When two values
differ by 2**31 or more the subtraction wraps and the comparator is no longer a total order
(e.g. 10.0.0.1 sorts *after* 192.168.0.1). Reproducing the listing byte for byte therefore
means reproducing both the wrap and glibc's merge sort (``msort``: split n/2, stable merge).
When no pair can wrap, a plain stable key sort gives the same result, faster.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")

AF_INET, AF_INET6 = 2, 10
PROTOCOL_NUMBERS = {"tcp": 6, "udp": 17, "sctp": 132, None: 6}


def _c_int(value: int) -> int:
    """The value of ``(int)`` applied to an unsigned difference (two's complement wrap)."""
    return (value + 2**31) % 2**32 - 2**31


def _sign(value: int) -> int:
    return (value > 0) - (value < 0)


def compare_words(a: Sequence[int], b: Sequence[int]) -> int:
    """Field-by-field ``r = (int)(a - b); if r: return r`` over unsigned 32-bit words."""
    for x, y in zip(a, b, strict=False):
        r = _c_int(x - y)
        if r:
            return _sign(r)
    return 0


def glibc_msort(items: list[T], cmp: Callable[[T, T], int]) -> list[T]:
    """glibc's qsort for small element counts: top-down merge sort, left half n//2, stable."""
    if len(items) <= 1:
        return list(items)
    half = len(items) // 2
    left, right = glibc_msort(items[:half], cmp), glibc_msort(items[half:], cmp)
    merged: list[T] = []
    i = j = 0
    while i < len(left) and j < len(right):
        if cmp(left[i], right[j]) <= 0:
            merged.append(left[i])
            i += 1
        else:
            merged.append(right[j])
            j += 1
    merged.extend(left[i:])
    merged.extend(right[j:])
    return merged


def sort_like_ipvsadm(items: list[T], words: Callable[[T], tuple[int, ...]]) -> list[T]:
    """Sort ``items`` as ipvsadm would, given each item's comparison words (unsigned ints)."""
    if len(items) <= 1:
        return list(items)
    keys = [words(item) for item in items]
    wraps = any(max(column) - min(column) >= 2**31 for column in zip(*keys, strict=True))
    if not wraps:
        order = sorted(range(len(items)), key=keys.__getitem__)
        return [items[i] for i in order]
    keyed = list(zip(keys, items, strict=True))
    ordered = glibc_msort(keyed, lambda a, b: compare_words(a[0], b[0]))
    return [item for _, item in ordered]
