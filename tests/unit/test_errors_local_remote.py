# SPDX-License-Identifier: Apache-2.0
"""Local errors (the caller's input) and remote ones (the kernel's answer, a peer's packet) are
told apart by their base class."""

from __future__ import annotations

import pytest

from pyipvs import errors
from pyipvs.vrrp import VrrpPacket, VrrpPacketError


def test_every_error_is_local_or_remote() -> None:
    classes = [getattr(errors, name) for name in errors.__all__ if name != "errno"]
    for cls in classes:
        if cls in (errors.PyipvsError, errors.LocalError, errors.RemoteError):
            continue
        local = issubclass(cls, errors.LocalError)
        remote = issubclass(cls, errors.RemoteError)
        assert local != remote, cls


def test_a_peers_malformed_packet_is_remote_not_a_value_error() -> None:
    with pytest.raises(VrrpPacketError) as info:
        VrrpPacket.from_ip(b"\x45" + bytes(39))
    assert isinstance(info.value, errors.RemoteError)
    assert not isinstance(info.value, ValueError)


def test_the_callers_bad_argument_is_local() -> None:
    with pytest.raises(errors.PyipvsValueError) as info:
        VrrpPacket(2, 0, 100, [], 1)
    assert isinstance(info.value, errors.LocalError)
    assert isinstance(info.value, ValueError)
    assert issubclass(errors.KernelError, errors.RemoteError)
    assert issubclass(errors.KernelError, OSError)
    assert issubclass(errors.ConfigError, errors.LocalError)
