"""pyipvsadm's command-line handling against ~400 runs of the real ipvsadm 1.31.

Oracle: tests/unit/data/ipvsadm-1.31-cases.json, recorded by tools/harvest_ipvsadm.py from the
command lines in tools/ipvsadm-cases.txt. Provenance: Debian's ipvsadm 1.31 (/usr/sbin/ipvsadm),
run in the kernel-tier VM (Debian 6.1.0-56 kernel with ip_vs), each case in a fresh network
namespace holding the small table of ``SETUP`` below. Here each case runs through pyipvsadm
against an in-memory IPVS holding the same table; stdout, stderr and the exit status must be
identical (ipvsadm's path in messages stands for pyipvsadm's argv[0]).

The cases whose outcome depends on the kernel beyond what the in-memory stand-in models
(``KERNEL_ONLY``) are compared in the kernel tier instead
(tests/kernel/test_pyipvsadm_differential.py).
"""

from __future__ import annotations

import io
import json
import shlex
from pathlib import Path

import pytest
from fake_ipvs import FakeIpvs

from pyipvs.cli.ipvsadm import execute

CASES_FILE = Path(__file__).parent / "data" / "ipvsadm-1.31-cases.json"
PROGRAM = "/usr/sbin/ipvsadm"
SETUP = [
    "-A -t 10.0.0.1:80 -s rr",
    "-a -t 10.0.0.1:80 -r 192.168.10.1:80 -m",
    "-A -u 10.0.0.3:53 -s sh",
    "-A -f 42 -s rr",
]

# Command lines (as in tools/ipvsadm-cases.txt) whose outcome the stand-in cannot reproduce.
KERNEL_ONLY = {
    "-L -n --nosort",  # the kernel's hash order, which the stand-in does not reproduce
}


@pytest.fixture(autouse=True)
def empty_connection_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No connections: /proc/net/ip_vs_conn holds only its header line, as in the VM."""
    proc = tmp_path / "ip_vs_conn"
    proc.write_text(
        "Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData\n"
    )
    monkeypatch.setattr("pyipvs.cli.ipvsadm_conn.CONN_PROC_FILE", str(proc))


# Documented differences (docs/reference/pyipvsadm.rst): pyipvs's model refuses IPv4 masks that
# are not contiguous and weights above 65535, which the kernel stores as given. pyipvsadm's
# answers instead:
INVALID = "Invalid operation.  Possibly wrong module version, address not unicast, ...\n"
DIFFERENCES = {
    "-a -t 10.0.0.1:80 -r 192.168.10.2 -w 65536": ("", INVALID, 255),
    "-A -t 10.0.0.2:80 -p -M 24": ("", "illegal virtual server persistent mask specified\n", 2),
    "-A -t 10.0.0.2:80 -p -M 255.0.255.0": (
        "",
        "illegal virtual server persistent mask specified\n",
        2,
    ),
}


def load_cases() -> list[dict[str, object]]:
    if not CASES_FILE.exists():
        return []
    cases: list[dict[str, object]] = json.loads(CASES_FILE.read_text())
    return [
        c
        for c in cases
        if shlex.join(c["argv"]) not in KERNEL_ONLY  # type: ignore[arg-type]
    ]


def prepared() -> FakeIpvs:
    fake = FakeIpvs()
    for line in SETUP:
        assert execute(line.split(), PROGRAM, io.StringIO(), io.StringIO(), ipvs=fake) == 0  # type: ignore[arg-type]
    return fake


CASES = load_cases()


@pytest.mark.parametrize(
    "case",
    CASES,
    ids=[shlex.join(c["argv"]) or "(none)" for c in CASES],  # type: ignore[arg-type]
)
def test_case_matches_ipvsadm(case: dict[str, object]) -> None:
    out, err = io.StringIO(), io.StringIO()
    fake = prepared()
    status = execute(
        case["argv"],  # type: ignore[arg-type]
        PROGRAM,
        out,
        err,
        ipvs=fake,  # type: ignore[arg-type]
        stdin=io.StringIO(str(case["stdin"])),
    )
    expected = DIFFERENCES.get(
        shlex.join(case["argv"]),  # type: ignore[arg-type]
        (case["stdout"], case["stderr"], case["status"]),
    )
    assert (out.getvalue(), err.getvalue(), status) == expected
