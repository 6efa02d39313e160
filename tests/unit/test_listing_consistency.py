# SPDX-License-Identifier: Apache-2.0
"""The re-read bound of Ipvs.services() and table(); the kernel side is in
tests/kernel/test_ipvs_listing.py. The reads below stand for the dump: pure data, no socket."""

from __future__ import annotations

import pytest

from pyipvs import InconsistentListing, VirtualService
from pyipvs.ipvs import handle

A = VirtualService("tcp", "10.0.0.1", 80)
B = VirtualService("tcp", "10.0.0.2", 80)
A_OTHER_SCHEDULER = VirtualService("tcp", "10.0.0.1", 80, scheduler="rr")


def reads(*listings: list[VirtualService]) -> tuple[list[int], object]:
    calls = [0]

    def read() -> list[VirtualService]:
        calls[0] += 1
        return listings[min(calls[0], len(listings)) - 1]

    return calls, read


def test_a_repeated_service_is_read_again(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(handle, "LISTING_FIRST_PAUSE", 0.0)
    calls, read = reads([A, A], [A, A_OTHER_SCHEDULER], [A, B])
    assert handle._consistent_listing(read, lambda vs: vs) == [A, B]  # type: ignore[arg-type]
    assert calls == [3]  # identity, not equality: A listed with another scheduler is A again


def test_no_consistent_listing_within_the_bound_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(handle, "LISTING_FIRST_PAUSE", 0.0)
    calls, read = reads([B, A, B])
    with pytest.raises(InconsistentListing) as info:
        handle._consistent_listing(read, lambda vs: vs)  # type: ignore[arg-type]
    assert calls == [handle.LISTING_READS]
    assert info.value.errno == 11 and info.value.service == "tcp 10.0.0.2:80"
    assert "listed twice" in str(info.value) and "retry later" in str(info.value)
