"""The model keepalived's semantics give: defaults, aliases, fallbacks, lexical features, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pyipvs.cli.keepalived import main
from pyipvs.config import (
    ConfigError,
    HttpGet,
    TcpCheck,
    load_config,
    parse_config,
    read_config,
)

CORPUS = Path(__file__).resolve().parent.parent / "data" / "keepalived"
VI = (
    "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n"
    " virtual_ipaddress {\n 10.0.0.5\n }\n"
)


def instance(body: str, **kwargs: object):  # type: ignore[no-untyped-def]
    result = parse_config(VI + body + "}\n", **kwargs)  # type: ignore[arg-type]
    return result.config.vrrp_instances[0], [d.message for d in result.diagnostics]


def test_seed_configuration_parses_with_keepalived_semantics() -> None:
    result = read_config(str(CORPUS / "seed.conf"))
    config = result.config
    assert config.global_defs.router_id == "LVS_MAIN"  # lvs_id, 1.x spelling
    assert config.global_defs.notification_email == ("mon@mail.com",)
    vi = config.vrrp_instances[0]
    assert (vi.state, vi.priority, vi.advert_int) == ("MASTER", 100, 1.0)
    assert vi.authentication is not None and vi.authentication.auth_pass == "1111"
    assert [v.address for v in vi.virtual_ipaddress] == ["10.0.0.5/32", "192.168.0.1/32"]
    assert vi.notify_master is not None and vi.notify_master.command.endswith("script_master.sh")
    vs = config.virtual_servers[0]
    assert (vs.lvs_sched, vs.lvs_method, vs.protocol, vs.delay_loop) == ("wlc", "NAT", "TCP", 30)
    assert vs.persistence_timeout == 50
    assert vs.sorry_server is not None and vs.sorry_server.port is None  # "80" is on its own line
    rs1, rs2 = vs.real_servers
    assert rs1.weight == 20 and isinstance(rs1.checkers[0], TcpCheck)
    assert rs1.checkers[0].connect_port == 80 and rs1.checkers[0].connect_timeout is None
    http = rs2.checkers[0]
    assert isinstance(http, HttpGet) and http.retry == 3 and http.delay_before_retry == 2
    assert http.urls[0].digest == "69c520033af926d40e7d5d832e3933f6"
    messages = " | ".join(d.message for d in result.diagnostics)
    assert "lvs_id" in messages and "Unknown keyword '80'" in messages
    assert "nb_get_retry is deprecated" in messages and "extra arguments ignored" in messages


def test_state_master_without_priority_is_owner() -> None:
    vi, messages = instance(" state MASTER\n")
    assert vi.priority == 255 and messages == []


def test_priority_255_without_state_is_master() -> None:
    vi, _ = instance(" priority 255\n")
    assert vi.state == "MASTER"


def test_state_slave_is_reported_and_backup() -> None:
    vi, messages = instance(" state SLAVE\n")
    assert vi.state == "BACKUP" and vi.priority == 100
    assert messages == ["(VI_1) unknown state 'SLAVE', defaulting to BACKUP"]


def test_advert_int_v2_rounds_and_v3_keeps_centiseconds() -> None:
    assert instance(" advert_int 1.6\n")[0].advert_int == 2.0
    vi, messages = instance(" version 3\n advert_int 0.015\n")
    assert vi.advert_int in (0.01, 0.02) and "units of 10ms" in messages[0]
    assert instance(" version 3\n advert_int 0.25\n")[0].advert_int == 0.25


def test_auth_pass_is_cut_to_8_and_dropped_for_v3() -> None:
    vi, messages = instance(" authentication {\n auth_pass 0123456789\n }\n")
    assert vi.authentication is not None and vi.authentication.auth_pass == "01234567"
    assert messages == ["Truncating auth_pass to 8 characters"]
    vi, _ = instance(" version 3\n authentication {\n auth_pass x\n }\n")
    assert vi.authentication is None


def test_range_fallbacks() -> None:
    vi, messages = instance(" priority 300\n")
    assert vi.priority == 100 and any("Using default 100" in m for m in messages)
    vi, _ = instance(" nopreempt\n priority 255\n")
    assert vi.nopreempt is False


def test_ipv6_vips_force_version_3() -> None:
    result = parse_config(VI.replace("10.0.0.5", "fe80::1") + "}\n")
    assert result.config.vrrp_instances[0].version == 3


def test_aliases_fold_into_modern_keywords() -> None:
    text = (
        "virtual_server 10.0.0.1 80 {\n protocol TCP\n lb_algo sh\n lb_kind DR\n"
        " real_server 10.0.0.2 80 {\n HTTP_GET {\n url {\n path /\n }\n nb_get_retry 4\n }\n }\n}\n"
    )
    result = parse_config(text)
    vs = result.config.virtual_servers[0]
    assert (vs.lvs_sched, vs.lvs_method) == ("sh", "DR")
    assert vs.real_servers[0].checkers[0].retry == 4
    assert [d.message for d in result.diagnostics] == [
        "nb_get_retry is deprecated - please use 'retry'"
    ]


def test_conditionals_follow_config_id() -> None:
    text = (
        "@lb1 global_defs {\n@lb1 router_id ONE\n@lb1 }\n"
        "@^lb1 global_defs {\n@^lb1 router_id OTHER\n@^lb1 }\n"
    )
    assert parse_config(text, config_id="lb1").config.global_defs.router_id == "ONE"
    assert parse_config(text, config_id="lb2").config.global_defs.router_id == "OTHER"


def test_macros_expand_recursively_and_late() -> None:
    text = "$A=$B\n$B=wrr\nvirtual_server fwmark 1 {\n lvs_sched ${A}\n}\n"
    assert parse_config(text).config.virtual_servers[0].lvs_sched == "wrr"


def test_macro_can_hold_a_condition() -> None:
    text = "$ONLY=@lb9\n$ONLY global_defs {\n$ONLY router_id X\n$ONLY }\n"
    assert parse_config(text, config_id="lb9").config.global_defs.router_id == "X"
    assert parse_config(text, config_id="lb1").config.global_defs.router_id is None


def test_seq_and_lst_generate_lines() -> None:
    result = read_config(str(CORPUS / "ok_seq.conf"))
    addresses = [rs.address for rs in result.config.virtual_servers[0].real_servers]
    assert addresses[:4] == ["10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5"]
    assert addresses[4:7] == ["10.0.1.20", "10.0.1.15", "10.0.1.10"]
    assert addresses[7:] == ["10.0.2.7", "10.0.2.8", "10.0.3.1", "10.0.3.2"]
    assert result.config.virtual_servers[0].real_servers[-1].port == 82


def test_includes_relative_globs_and_braces() -> None:
    result = read_config(str(CORPUS / "ok_include.conf"))
    assert result.diagnostics == ()
    assert result.config.global_defs.router_id == "NESTED"
    assert len(result.config.vrrp_instances) == 1 and len(result.config.virtual_servers) == 1


def test_include_loop_is_an_error_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "a.conf").write_text("include a.conf\n")
    result = read_config(str(tmp_path / "a.conf"))
    assert result.exit_status == 5


def test_quoted_strings_and_escapes() -> None:
    g = read_config(str(CORPUS / "ok_quotes_and_escapes.conf")).config.global_defs
    assert g.router_id == "lb one # not a comment"
    assert g.notification_email_from == "ops!team@example.com"
    assert g.smtp_helo_name == "tab\there"


def test_missing_file_is_fatal_and_load_config_raises(tmp_path: Path) -> None:
    result = read_config(str(tmp_path / "none.conf"))
    assert result.exit_status == 4
    with pytest.raises(ConfigError):
        load_config(str(tmp_path / "none.conf"))


def test_strict_turns_warnings_into_errors(tmp_path: Path) -> None:
    path = tmp_path / "k.conf"
    path.write_text("global_defs {\n lvs_id X\n}\n")
    assert load_config(str(path)).global_defs.router_id == "X"
    with pytest.raises(ConfigError) as info:
        load_config(str(path), strict=True)
    assert f"{path}:2:" in str(info.value)


def test_cli_exit_statuses_and_messages(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-t", "-f", str(CORPUS / "ok_minimal_lvs.conf")]) == 0
    assert main(["--config-test", "--use-file", str(CORPUS / "warn_state_slave.conf")]) == 5
    err = capsys.readouterr().err
    assert f"{CORPUS / 'warn_state_slave.conf'}:8: (VI_1) unknown state 'SLAVE'" in err
    assert main(["-t", "-f", str(CORPUS / "none-such.conf")]) == 4
    assert main(["-t", "-f", str(CORPUS / "warn_script_security.conf")]) == 6
    assert "Traceback" not in capsys.readouterr().err


def test_cli_config_id_and_dump_config(capsys: pytest.CaptureFixture[str]) -> None:
    path = CORPUS / "ok_full.conf"
    assert main(["-i", "x", "--dump-config", "-f", str(path)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["vrrp_instances"][1]["priority"] == 200
    checkers = data["virtual_servers"][0]["real_servers"][0]["checkers"]
    assert [c["type"] for c in checkers][:3] == ["TCP_CHECK", "HTTP_GET", "SSL_GET"]


def test_hostile_includes_are_reported_not_followed(tmp_path: Path) -> None:
    text = "include /dev/zero\ninclude " + "{a,b}" * 30 + "\n"
    result = parse_config(text, name=str(tmp_path / "k.conf"))
    messages = [d.message for d in result.diagnostics]
    assert "not a regular file" in messages[0] and "expands too much" in messages[1]


def test_quoted_brace_is_a_word_not_a_block() -> None:
    result = parse_config('global_defs {\n router_id "{"\n smtp_helo_name "}"\n}\n')
    assert result.diagnostics == ()
    assert result.config.global_defs.router_id == "{"
