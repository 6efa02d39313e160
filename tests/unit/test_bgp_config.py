# SPDX-License-Identifier: Apache-2.0
"""``pyipvs_bgp { }``: read with file:line problems, a notice that it is pyipvs's own, and
refused by ``--strict``."""

from __future__ import annotations

from pyipvs.config import Severity, parse_config
from pyipvs.config.model import BgpConfig
from pyipvs.config.sections.bgp import EXTENSION_NOTICE
from pyipvs.daemon.main import refusal

FULL = """\
pyipvs_bgp {
    speaker bird
    control_socket /run/bird/director.ctl
    include_file /etc/bird/pyipvs-vips.conf
    protocol lb_vips
    retry_max 10
    check_interval 1.5
    bfd_interval 0.05
    bfd_multiplier 3
}
"""


def test_every_keyword_is_read() -> None:
    result = parse_config(FULL, name="k.conf")
    assert result.config.bgp == BgpConfig(
        speaker="bird",
        control_socket="/run/bird/director.ctl",
        include_file="/etc/bird/pyipvs-vips.conf",
        protocol="lb_vips",
        retry_max=10.0,
        check_interval=1.5,
        bfd_interval=0.05,
        bfd_multiplier=3,
    )
    assert [(d.severity, d.line, d.message) for d in result.diagnostics] == [
        (Severity.NOTICE, 1, EXTENSION_NOTICE)
    ]
    assert result.exit_status == 0  # a notice is no problem for -t


def test_no_block_no_bgp() -> None:
    assert parse_config("global_defs {\n}\n").config.bgp is None


def test_an_empty_block_takes_the_defaults() -> None:
    assert parse_config("pyipvs_bgp {\n}\n").config.bgp == BgpConfig()


def test_strict_refuses_the_extension_and_the_default_mode_runs_it() -> None:
    result = parse_config(FULL, name="k.conf")
    assert refusal(result, strict=False, reloading=False) == []
    assert refusal(result, strict=True, reloading=False) == [f"k.conf:1: {EXTENSION_NOTICE}"]


def test_bad_values_name_their_line_and_keep_the_default() -> None:
    text = """\
pyipvs_bgp {
    speaker frr
    control_socket relative/bird.ctl
    protocol bad-name
    retry_max nan
    check_interval 0
    include_file
    bogus 1
    bfd_interval 0.001
    bfd_multiplier 0
    bfd_multiplier 3.5
}
"""
    result = parse_config(text, name="k.conf")
    assert result.config.bgp == BgpConfig()
    problems = [str(d) for d in result.diagnostics if d.severity is not Severity.NOTICE]
    assert problems == [
        "k.conf:2: pyipvs_bgp: speaker 'frr' not supported (one of: bird)",
        "k.conf:3: pyipvs_bgp: control_socket 'relative/bird.ctl' must be an absolute path",
        "k.conf:4: pyipvs_bgp: protocol name 'bad-name' is not a BIRD symbol",
        "k.conf:5: pyipvs_bgp: retry_max 'nan' outside range [0.1, 3600]",
        "k.conf:6: pyipvs_bgp: check_interval '0' outside range [0.1, 3600]",
        "k.conf:7: 'include_file' needs an argument",
        "k.conf:8: Unknown keyword 'bogus'",
        "k.conf:9: pyipvs_bgp: bfd_interval '0.001' outside range [0.01, 60]",
        "k.conf:10: pyipvs_bgp: bfd_multiplier '0' outside range [1, 255]",
        "k.conf:11: pyipvs_bgp: bfd_multiplier '3.5' outside range [1, 255]",
    ]
    assert result.exit_status == 5


def test_a_second_block_replaces_the_first_with_an_error() -> None:
    text = "pyipvs_bgp {\n    protocol one\n}\npyipvs_bgp {\n    protocol two\n}\n"
    result = parse_config(text, name="k.conf")
    assert result.config.bgp == BgpConfig(protocol="two")
    assert "k.conf:4: pyipvs_bgp already specified - replacing" in map(str, result.diagnostics)


def test_extra_words_are_reported() -> None:
    result = parse_config("pyipvs_bgp {\n    protocol a b\n}\n", name="k.conf")
    assert result.config.bgp == BgpConfig(protocol="a")
    assert "k.conf:2: 'protocol': extra arguments ignored: 'b'" in map(str, result.diagnostics)


def test_bfd_is_off_unless_asked_and_either_keyword_asks() -> None:
    assert BgpConfig().bfd is None
    assert parse_config(FULL).config.bgp is not None
    assert parse_config(FULL).config.bgp.bfd == (0.05, 3)
    only_multiplier = parse_config("pyipvs_bgp {\n    bfd_multiplier 3\n}\n").config.bgp
    assert only_multiplier is not None and only_multiplier.bfd == (0.1, 3)  # BIRD's 100 ms
    only_interval = parse_config("pyipvs_bgp {\n    bfd_interval 0.2\n}\n").config.bgp
    assert only_interval is not None and only_interval.bfd == (0.2, 5)  # BIRD's multiplier


def test_sync_daemon_names_an_interface_and_a_sync_id() -> None:
    def read(line: str) -> tuple[BgpConfig | None, list[str]]:
        result = parse_config(f"pyipvs_bgp {{\n    {line}\n}}\n", name="k.conf")
        problems = [str(d) for d in result.diagnostics if d.severity is not Severity.NOTICE]
        return result.config.bgp, problems

    assert read("sync_daemon eth1 19") == (BgpConfig(sync_daemon=("eth1", 19)), [])
    assert read("sync_daemon eth1") == (BgpConfig(sync_daemon=("eth1", 0)), [])
    assert read("sync_daemon eth1 256")[1] == [
        "k.conf:2: pyipvs_bgp: sync_daemon sync id '256' outside range [0, 255]"
    ]
    assert read("sync_daemon a/b")[1] == [
        "k.conf:2: pyipvs_bgp: sync_daemon interface 'a/b' is not an interface name"
    ]
    assert read("sync_daemon eth1 1 extra")[1][0].startswith("k.conf:2:")
