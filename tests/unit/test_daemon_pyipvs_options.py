# SPDX-License-Identifier: Apache-2.0
"""pyipvs's own options of ``pyipvs-keepalived`` (``--plan``, ``--json``, ``--status``,
``--metrics``): what they parse to, their refusals, and that they never take a prefix
keepalived resolves away from keepalived's option (``--p`` stays ``--pid``). The options at
work against real processes: tests/netns/test_daemon_state_out.py, tests/kernel/test_plan_cli.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pyipvs.cli import keepalived
from pyipvs.config import parse_config
from pyipvs.daemon.main import wanted_children
from pyipvs.daemon.options import (
    DEFAULT_METRICS_HOST,
    DEFAULT_METRICS_PORT,
    OptionError,
    parse_metrics,
    parse_options,
)

VRRP = "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 5\n priority 100\n}\n"


@pytest.mark.parametrize(
    ("value", "address"),
    [
        (True, (DEFAULT_METRICS_HOST, DEFAULT_METRICS_PORT)),
        ("9100", ("127.0.0.1", 9100)),
        ("0.0.0.0:9100", ("0.0.0.0", 9100)),
        ("[::1]:9100", ("::1", 9100)),
        ("lb1.example:9100", ("lb1.example", 9100)),
    ],
)
def test_metrics_addresses(value: str | bool, address: tuple[str, int]) -> None:
    assert parse_metrics(value) == address


@pytest.mark.parametrize("value", ["::1:9100", "x:", "9100x", "h:0", "h:65536", ":9100"])
def test_a_bad_metrics_address_is_refused_naming_it(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(OptionError, match="Invalid --metrics option"):
        parse_metrics(value)
    assert keepalived.main([f"--metrics={value}", "-f", "/nonexistent"]) == 1
    assert capsys.readouterr().err == f"Invalid --metrics option {value} (expected [HOST:]PORT)\n"


def test_metrics_takes_its_value_only_attached_as_getopt() -> None:
    args = parse_options(["--metrics", "9100"])
    assert (args.metrics, args.rest) == (True, ["9100"])
    assert parse_options(["--metrics=9100"]).metrics == "9100"
    assert parse_options([]).metrics is False


@pytest.mark.parametrize(
    ("argv", "dest", "value"),
    [
        (["--p", "x.pid"], "pid", "x.pid"),  # keepalived's getopt: --p is --pid
        (["--dump"], "dump_conf", True),  # --dump-conf, not pyipvs's --dump-config
        (["--pl"], "plan", True),
        (["--plan", "--json"], "json", True),
        (["--stat"], "status", True),
        (["--", "--p"], "rest", ["--p"]),  # nothing after "--" is an option
    ],
)
def test_keepalived_prefixes_stay_keepalived(argv: list[str], dest: str, value: object) -> None:
    assert getattr(parse_options(argv), dest) == value


def test_the_metrics_child_runs_only_with_the_option() -> None:
    config = parse_config(VRRP).config
    assert wanted_children(parse_options([]), config) == ["VRRP"]
    args = parse_options(["--metrics"])
    args.metrics_address = parse_metrics(args.metrics)
    assert wanted_children(args, config) == ["VRRP", "Metrics"]


def test_status_of_a_daemon_not_running(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert keepalived.main(["--status", "--status-dir", str(tmp_path), "--no-ipvs"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("pyipvs-keepalived is not running: ")
    assert f"{tmp_path}/vrrp.sock" in err and f"{tmp_path}/check.sock" in err


def test_the_words_after_status_are_its_own(capsys: pytest.CaptureFixture[str]) -> None:
    assert keepalived.main(["-s", "ns1", "--status", "-h"]) == 0
    assert "usage: pyipvs-keepalived --status" in capsys.readouterr().out
    assert keepalived.main(["--status", "--bogus"]) == 2  # its own parser said why
    assert "unrecognized arguments: --bogus" in capsys.readouterr().err
