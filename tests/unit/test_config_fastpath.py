"""The reader's shortcuts (shared parses of identical blocks, a fast dataclass constructor,
the lexer feeding the tree directly) change nothing anyone can observe."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pyipvs.config import parse_config
from pyipvs.config.diagnostics import Reporter
from pyipvs.config.lexer import Lexer
from pyipvs.config.model import RealServerConfig, TcpCheck, VirtualServerConfig, construct
from pyipvs.config.tree import Node, TreeBuilder, build_tree


def _virtual_servers(bodies: list[str]) -> str:
    parts = []
    for i, body in enumerate(bodies):
        parts.append(
            f"virtual_server 10.0.0.{i + 1} 80 {{\n lvs_sched rr\n lvs_method NAT\n"
            f" protocol TCP\n real_server 192.168.0.1 80 {{\n{body}\n }}\n}}\n"
        )
    return "".join(parts)


def test_identical_blocks_with_problems_report_at_each_line() -> None:
    body = "  weight 1\n  TCP_CHECK {\n   connect_timeout -3\n  }"
    result = parse_config(_virtual_servers([body, body, body]))
    lines = [d.line for d in result.diagnostics if "connect_timeout" in d.message]
    assert lines == [8, 19, 30]


def test_identical_blocks_give_equal_models() -> None:
    body = "  weight 3\n  TCP_CHECK {\n   connect_timeout 3\n  }"
    servers = parse_config(_virtual_servers([body, body])).config.virtual_servers
    assert servers[0].real_servers == servers[1].real_servers
    assert servers[0].real_servers[0].weight == 3
    assert servers[0].real_servers[0].checkers == (TcpCheck(connect_timeout=3.0),)


def test_scripts_of_identical_blocks_are_each_registered() -> None:
    body = "  notify_up /bin/true\n  TCP_CHECK {\n  }"
    result = parse_config(_virtual_servers([body, body]))
    security = [d for d in result.diagnostics if "SECURITY" in d.message]
    assert len(security) == 1  # reported once, but both blocks were parsed for scripts
    notify = [rs.notify_up for vs in result.config.virtual_servers for rs in vs.real_servers]
    assert [s.command if s else None for s in notify] == ["/bin/true", "/bin/true"]


@pytest.mark.parametrize("cls", [RealServerConfig, TcpCheck, VirtualServerConfig])
def test_construct_matches_the_dataclass_constructor(cls: type) -> None:
    values: dict[str, object] = {"address": "10.0.0.1"} if cls is not TcpCheck else {}
    values["retry"] = 2
    built = construct(cls, values)
    assert built == cls(**values)
    assert repr(built) == repr(cls(**values))
    assert list(vars(built)) == [f.name for f in dataclasses.fields(cls)]


def test_construct_rejects_unknown_and_missing_fields() -> None:
    with pytest.raises(TypeError):
        construct(TcpCheck, {"nonsense": 1})
    with pytest.raises(TypeError):
        construct(RealServerConfig, {"port": 80})


def _dump(nodes: list[Node]) -> list[object]:
    return [
        (
            n.words,
            n.keyword,
            n.args,
            n.file,
            n.line,
            None if n.children is None else _dump(n.children),
        )
        for n in nodes
    ]


# "$", "=" and "\\" make macros, multi-line definitions among them (which send every line they
# hold down the slow path)
@given(
    st.text(alphabet="ab {}#\"'\n\t;", max_size=200)
    | st.text(alphabet="ab {}\n$=\\", max_size=120)
    | st.lists(st.sampled_from(["$a= \\", "$a", "b {", "}", "b \\", ""]), max_size=12).map(
        "\n".join
    )
)
def test_tree_from_lexer_lines_matches_direct_feed(text: str) -> None:
    stored = Reporter()
    lexer = Lexer(stored, "id")
    lexer.read_text(text, "x.conf")
    expected = build_tree(lexer.lines, stored, "x.conf")
    direct = Reporter()
    tree = TreeBuilder(direct)
    Lexer(direct, "id", tree=tree).read_text(text, "x.conf")
    assert _dump(tree.finish("x.conf")) == _dump(expected)
    assert direct.items == stored.items
