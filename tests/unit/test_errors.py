"""The exception hierarchy and the single C-return-code mapping."""

from __future__ import annotations

import errno

import pytest

import pyipvs
from pyipvs._bindings.check import check_rc, error_for
from pyipvs.errors import KernelError, PermissionDenied, ProtocolError


def test_non_negative_codes_pass_through() -> None:
    assert check_rc(0) == 0
    assert check_rc(7) == 7


@pytest.mark.parametrize(
    ("code", "cls"),
    [(errno.EPERM, PermissionDenied), (errno.EBADMSG, ProtocolError), (errno.EIO, KernelError)],
)
def test_negative_codes_map_to_classes(code: int, cls: type[KernelError]) -> None:
    with pytest.raises(cls) as info:
        check_rc(-code, "IPVS_CMD_TEST")
    assert info.value.errno == code
    assert "IPVS_CMD_TEST" in str(info.value)
    assert isinstance(info.value, OSError) and isinstance(info.value, pyipvs.PyipvsError)


def test_overrides_give_per_operation_meaning() -> None:
    exc = error_for(-errno.ENOENT, "op", {errno.ENOENT: (pyipvs.IpvsUnavailable, "gone")})
    assert type(exc) is pyipvs.IpvsUnavailable and str(exc) == "op: gone"


def test_permission_denied_is_a_builtin_permission_error() -> None:
    assert issubclass(PermissionDenied, PermissionError)
    assert issubclass(pyipvs.PyipvsValueError, ValueError)
