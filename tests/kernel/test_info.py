"""Ipvs.info() and the family description against the real kernel, cross-checked with the real
ipvsadm and iproute2's ``genl`` in the same namespace."""

from __future__ import annotations

import re
import subprocess

import pytest

from pyipvs import Ipvs, PermissionDenied, VirtualService

IPVSADM_HEADER = re.compile(r"^IP Virtual Server version (\d+\.\d+\.\d+) \(size=(\d+)\)$")


def run_in(netns: str, *argv: str) -> str:
    return subprocess.run(
        ["ip", "netns", "exec", netns, *argv], check=True, capture_output=True, text=True
    ).stdout


def test_info_matches_ipvsadm_header(ipvs_netns: str) -> None:
    with Ipvs(netns=ipvs_netns) as ipvs:
        info = ipvs.info()
    first_line = run_in(ipvs_netns, "ipvsadm", "-L", "-n").splitlines()[0]
    match = IPVSADM_HEADER.match(first_line)
    assert match, first_line
    assert (info.version, info.conn_table_size) == (match.group(1), int(match.group(2)))
    # The header /proc/net/ip_vs prints is built from the same two numbers.
    proc_header = run_in(ipvs_netns, "head", "-1", "/proc/net/ip_vs").strip()
    assert proc_header == f"IP Virtual Server version {info.version} (size={info.conn_table_size})"


def test_family_matches_genl_ctrl(ipvs_netns: str) -> None:
    with Ipvs(netns=ipvs_netns) as ipvs:
        family = ipvs.family
    text = run_in(ipvs_netns, "genl", "ctrl", "get", "name", "IPVS")
    header = re.search(
        r"ID: 0x([0-9a-f]+)\s+Version: 0x([0-9a-f]+)\s+header size: (\d+)\s+max attribs: (\d+)",
        text,
    )
    assert header, text
    assert (family.id, family.version, family.hdrsize, family.maxattr) == (
        int(header.group(1), 16),
        int(header.group(2), 16),
        int(header.group(3)),
        int(header.group(4)),
    )
    # genl lists the command ids (IPVS registers small ops, so it prints no capability lines).
    genl_ids = sorted(int(m, 16) for m in re.findall(r"ID-0x([0-9a-f]+)", text))
    assert sorted(op.id for op in family.ops) == genl_ids


def test_family_ops_are_the_ipvs_commands(ipvs_netns: str) -> None:
    """uapi ip_vs.h: commands 1..17; 14 (SET_INFO) is reply-only; every op needs CAP_NET_ADMIN."""
    with Ipvs(netns=ipvs_netns) as ipvs:
        family = ipvs.family
    assert family.name == "IPVS" and family.version == 1 and family.maxattr == 6
    assert sorted(op.id for op in family.ops) == [c for c in range(1, 18) if c != 14]
    assert all(op.admin for op in family.ops)
    by_id = {op.id: op for op in family.ops}
    assert by_id[8].dump and not by_id[8].do  # GET_DEST is dump-only
    assert by_id[15].do and not by_id[15].dump  # GET_INFO is do-only
    assert by_id[4].do and by_id[4].dump  # GET_SERVICE is both


def test_handles_in_different_namespaces_are_independent(ipvs_netns: str, peer_netns: str) -> None:
    # Both namespaces answer with the same kernel-wide version; tables stay apart.
    with Ipvs(netns=ipvs_netns) as a, Ipvs(netns=f"/run/netns/{peer_netns}") as b:
        assert a.info() == b.info()
        a.add_service(VirtualService("tcp", "10.1.1.1", 80))
        assert len(a.services()) == 1 and b.services() == []


def test_unprivileged_user_gets_permission_denied(ipvs_netns: str) -> None:
    """A process without CAP_NET_ADMIN. It stays uid 0 and loses the capability from its
    bounding set: as another user it could not even start this checkout's Python when the
    checkout lies in a private directory (mktemp -d makes them 0700)."""
    import sys

    script = (
        "import pyipvs\n"
        "try:\n"
        "    pyipvs.Ipvs().info()\n"
        "except pyipvs.PermissionDenied as e:\n"
        "    print('denied', e.errno, e)\n"
    )
    out = subprocess.run(
        [
            "ip",
            "netns",
            "exec",
            ipvs_netns,
            "setpriv",
            "--bounding-set=-net_admin",
            "--inh-caps=-net_admin",
            sys.executable,
            "-c",
            script,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.startswith("denied 1 "), out
    assert "CAP_NET_ADMIN" in out
    assert issubclass(PermissionDenied, PermissionError)


@pytest.mark.parametrize("repeat", range(3))
def test_info_is_stable_on_one_handle(ipvs_netns: str, repeat: int) -> None:
    with Ipvs(netns=ipvs_netns) as ipvs:
        assert len({ipvs.info() for _ in range(50)}) == 1
