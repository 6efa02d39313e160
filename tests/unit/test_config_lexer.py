"""Lexical features checked against keepalived 2.2.7 ``-t``: the include variants' checks,
multi-line macros and the predefined macros."""

from __future__ import annotations

from pathlib import Path

import pytest

from pyipvs.config import ConfigError, load_config, parse_config, read_config
from pyipvs.config.diagnostics import Severity

CORPUS = Path(__file__).resolve().parent.parent / "data" / "keepalived"
VS = "virtual_server 10.0.0.1 80 {{\n protocol TCP\n lvs_method NAT\n{body}\n}}\n"


def _include(tmp_path: Path, line: str) -> list[tuple[int, Severity, str]]:
    (tmp_path / "inc.d").mkdir(exist_ok=True)
    (tmp_path / "inc.d" / "a.inc").write_text("global_defs {\n router_id A\n}\n")
    main = tmp_path / "main.conf"
    main.write_text(line + "\n")
    return [(d.line, d.severity, d.message) for d in read_config(str(main)).diagnostics]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("includem nothere.conf", "Config files missing 'nothere.conf'."),
        ("includew nothere.conf", "Config files missing 'nothere.conf'."),
        ("includew inc.d/none-*.inc", "No config files matched 'inc.d/none-*.inc'."),
        ("includea inc.d/none-*.inc", "No config files matched 'inc.d/none-*.inc'."),
        ("includeb inc.d/{a,none}.inc", 'Some config files missing: "inc.d/{a,none}.inc".'),
        ("includeb inc.d/{x,y}.inc", "Config files missing 'inc.d/{x,y}.inc'."),
        ("includer inc.d", "Configuration file '{tmp}/inc.d/' is a directory - skipping"),
        ('includem "inc.d/a.inc"', "Config files missing '\"inc.d/a.inc\"'."),
    ],
)
def test_failed_include_checks_exit_6(tmp_path: Path, line: str, message: str) -> None:
    found = _include(tmp_path, line)
    assert found == [(1, Severity.INCLUDE, message.replace("{tmp}", str(tmp_path)))]


@pytest.mark.parametrize(
    "line",
    [
        "includer nothere.conf",  # readable only: nothing to read is no error
        "includem inc.d/none-*.inc",  # match: a wildcard may match nothing
        "includem inc.d/{a,none}.inc",  # one brace alternative matched
        "includew inc.d/{x,y}.inc",  # wildcard_match does not look at braces
        "includeb nothere.conf",  # brace_match looks only at braces
        "includea inc.d/{a,a}.inc",
    ],
)
def test_include_checks_that_pass(tmp_path: Path, line: str) -> None:
    assert _include(tmp_path, line) == []


def test_plain_include_of_a_directory_is_a_notice_as_keepalived_logs_it(tmp_path: Path) -> None:
    message = f"Configuration file '{tmp_path}/inc.d/' is a directory - skipping"
    assert _include(tmp_path, "include inc.d") == [(1, Severity.NOTICE, message)]
    main = tmp_path / "main.conf"
    main.write_text("include inc.d\n")
    result = read_config(str(main))
    assert result.exit_status == 0
    assert load_config(str(main), strict=True) == result.config


def test_plain_include_of_a_missing_file_warns(tmp_path: Path) -> None:
    assert _include(tmp_path, "include nothere.conf") == [
        (1, Severity.WARNING, "Config files missing 'nothere.conf'.")
    ]


def test_include_check_outranks_warnings_and_load_config_refuses(tmp_path: Path) -> None:
    main = tmp_path / "main.conf"
    main.write_text("includem nothere.conf\nbogus_keyword\n")
    assert read_config(str(main)).exit_status == 6
    with pytest.raises(ConfigError):
        load_config(str(main))


def test_multi_line_macro_gives_one_line_each_at_use() -> None:
    result = read_config(str(CORPUS / "ok_macros_multiline.conf"))
    assert result.diagnostics == ()
    instances = result.config.vrrp_instances
    assert [(i.name, i.virtual_router_id) for i in instances] == [("VI_1", 1), ("VI_2", 2)]
    assert [i.virtual_ipaddress[0].address for i in instances] == ["10.0.0.1/32", "10.0.0.2/32"]


def test_multi_line_macro_first_line_value_and_inline_use() -> None:
    text = "$A=lvs_sched \\\n  rr \\\n  quorum 2\n" + VS.format(body=" $A")
    vs = parse_config(text).config.virtual_servers[0]
    assert (vs.lvs_sched, vs.quorum) == ("wlc", 2)  # lines: 'lvs_sched', 'rr', 'quorum 2'
    text = "$A=rr \\\n quorum 2\n" + VS.format(body=" lvs_sched $A")
    result = parse_config(text)
    assert (
        result.config.virtual_servers[0].lvs_sched,
        result.config.virtual_servers[0].quorum,
    ) == (
        "rr",
        2,
    )


def test_empty_line_ends_a_multi_line_definition() -> None:
    text = "$A=\\\nquorum 3 \\\n\nlvs_sched rr\n"
    result = parse_config(text, name="t.conf")
    assert [(d.line, d.message) for d in result.diagnostics] == [(4, "Unknown keyword 'lvs_sched'")]


@pytest.mark.parametrize("definition", ["$A=\\\n$A \\\nx\n", "$A=$A $A\n"])
def test_a_macro_that_uses_itself_is_reported_once(definition: str) -> None:
    result = parse_config(definition + "$A\n", name="t.conf")
    assert [d.message for d in result.diagnostics] == [
        "macro expansion does not terminate (recursive macro?)"
    ]


def test_hash_and_bang_survive_only_in_quotes() -> None:
    text = 'global_defs {\n ${_HASH} x\n router_id "a${_HASH}b${_BANG}"\n}\n'
    result = parse_config(text)
    assert result.diagnostics == ()
    assert result.config.global_defs.router_id == "a#b!"
    cut = parse_config("global_defs {\n x${_BANG}y\n}\n")
    assert [d.message for d in cut.diagnostics] == ["Unknown keyword 'x'"]


def test_pwd_instance_and_random() -> None:
    text = 'global_defs {\n router_id "${_PWD}"\n}\n'
    assert parse_config(text, name="/etc/k/x.conf").config.global_defs.router_id == "/etc/k"
    text = VS.format(body=" lvs_sched ${_INSTANCE}\n real_server 10.0.0.2 ${_RANDOM} {\n }")
    result = parse_config(text, config_id="sh")
    vs = result.config.virtual_servers[0]
    assert vs.lvs_sched == "sh"
    assert vs.real_servers[0].port is not None and 0 <= vs.real_servers[0].port <= 32767


def test_env_and_random_with_arguments_are_not_predefined_in_2_2_7() -> None:
    text = VS.format(body=" lvs_sched ${_ENV HOME}")
    messages = [d.message for d in parse_config(text).diagnostics]
    assert "Unexpected '{' - ignoring" in messages


def test_seqx_counts_in_hex() -> None:
    result = read_config(str(CORPUS / "ok_seqx_hex.conf"))
    assert [rs.address for rs in result.config.virtual_servers[0].real_servers] == [
        "10.0.0.10",
        "10.0.0.11",
    ]
