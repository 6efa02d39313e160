"""API values outside the documented range (issue #17), by class: every numeric argument is
checked at the API boundary and a bad one is a PyipvsValueError (a LocalError and a
ValueError) naming the argument, never an OverflowError from cffi or a kernel errno."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyipvs import Ipvs
from pyipvs.errors import LocalError, PyipvsValueError
from pyipvs.vrrp import VrrpPacket, VrrpParser

BAD_NUMBERS = st.one_of(
    st.integers(max_value=-1),
    st.integers(min_value=2**31),
    st.sampled_from([math.inf, -math.inf, math.nan, 0.5, 2**64, -(2**63)]),
)


@settings(max_examples=80, deadline=None)
@given(value=st.one_of(BAD_NUMBERS, st.integers(min_value=256)))
def test_advert_interval(value: float) -> None:
    with pytest.raises(PyipvsValueError, match="advert_interval"):
        VrrpParser(advert_interval=value)


@settings(max_examples=80, deadline=None)
@given(value=st.one_of(BAD_NUMBERS, st.integers(min_value=256)))
def test_hop_limit(value: int) -> None:
    with pytest.raises(PyipvsValueError, match="hop_limit"):
        VrrpPacket.from_payload(b"\x31" * 20, src="10.0.0.1", dst="224.0.0.18", hop_limit=value)


@settings(max_examples=80, deadline=None)
@given(
    value=st.one_of(
        st.integers(max_value=-1),
        st.integers(min_value=2**32),
        st.sampled_from([math.inf, math.nan, 0.5]),
    ),
    where=st.sampled_from(["lengths", "offsets"]),
)
def test_batch_lengths_and_offsets(value: int, where: str) -> None:
    buffer = bytes(40)
    with pytest.raises(PyipvsValueError, match=where):
        if where == "lengths":
            VrrpParser().parse_batch(buffer, [value])
        else:
            VrrpParser().parse_batch(buffer, [20], offsets=[value])


def test_issue_examples() -> None:
    for call in (
        lambda: VrrpParser(advert_interval=float("inf")),
        lambda: VrrpPacket.from_payload(b"", src="::1", dst="ff02::12", hop_limit=2**40),
        lambda: VrrpParser().parse_batch(bytes(40), [-1]),
        lambda: Ipvs(socket_buffers=(2**40, 1)),
    ):
        with pytest.raises(LocalError) as caught:
            call()
        assert isinstance(caught.value, ValueError)


@settings(max_examples=60, deadline=None)
@given(
    buffers=st.one_of(
        st.tuples(BAD_NUMBERS, st.integers(1, 2**20)),
        st.tuples(st.integers(1, 2**20), BAD_NUMBERS),
        st.tuples(st.just(0), st.just(1)),
        st.just((1,)),
        st.just(("1", "2")),
    )
)
def test_socket_buffers_checked_before_the_kernel(buffers: tuple[object, ...]) -> None:
    with pytest.raises(PyipvsValueError, match="socket_buffers"):
        Ipvs(socket_buffers=buffers)  # type: ignore[arg-type]


def test_netns_not_a_namespace() -> None:
    with pytest.raises(PyipvsValueError, match="is not a network namespace"):
        Ipvs(netns="/etc/passwd")


def test_netns_bytes_is_a_path() -> None:
    with pytest.raises(PyipvsValueError, match="is not a network namespace"):
        Ipvs(netns=b"/etc/passwd")  # type: ignore[arg-type]


@pytest.mark.parametrize("netns", [3, 1.5, object(), ["x"]])
def test_netns_of_another_type_is_a_type_error(netns: object) -> None:
    with pytest.raises(TypeError, match="netns: expected a namespace name or path"):
        Ipvs(netns=netns)  # type: ignore[arg-type]
