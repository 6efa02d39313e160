# SPDX-License-Identifier: Apache-2.0
"""Argument parsing shared by every block: numbers with ranges, timers, booleans, addresses,
scripts, and the keyword-table machinery that walks a block's statements.

Range problems are reported keepalived's way (``number 'X' outside range [lo, hi]``) and the
caller keeps its default, which is keepalived's fallback for nearly every keyword.
"""

from __future__ import annotations

import functools
import ipaddress
import socket
from collections.abc import Callable
from typing import Any, TypeVar

from pyipvs.config.diagnostics import Reporter
from pyipvs.config.model import Option, Script
from pyipvs.config.tree import Node

Fields = dict[str, Any]
Handler = Callable[["Context", Node, Fields], None]
Signature = tuple[Any, ...]
_T = TypeVar("_T")
_MISSING = object()

TRUE_WORDS = frozenset({"on", "true", "yes"})
FALSE_WORDS = frozenset({"off", "false", "no"})


class Context:
    """What every handler needs: where to report, and host facts for ``-t`` style checks."""

    def __init__(self, reporter: Reporter, check_interfaces: bool = False) -> None:
        self.reporter = reporter
        self.check_interfaces = check_interfaces
        self.scripts: list[Script] = []
        self.memo: dict[tuple[str, Any], Any] = {}
        # Statements that checks after the block (or after the whole file) report at, e.g.
        # ("vrrp_instance", "track_script", instance, script) -> the track_script entry.
        self.where: dict[tuple[str, ...], Node] = {}

    def warn(self, node: Node, message: str) -> None:
        self.reporter.warning(node.file, node.line, message)

    def error(self, node: Node, message: str) -> None:
        self.reporter.error(node.file, node.line, message)


class Keyword:
    """How one keyword of a block is handled: ``handler`` fills ``fields``; ``block`` says
    whether it takes ``{ }``; ``message`` is the warning a deprecated spelling gives."""

    __slots__ = ("block", "handler", "message")

    def __init__(self, handler: Handler, block: bool = False, message: str | None = None) -> None:
        self.handler = handler
        self.block = block
        self.message = message


Table = dict[str, Keyword]


def run_block(ctx: Context, children: list[Node] | None, table: Table, fields: Fields) -> None:
    """Apply every statement of a block through ``table``; unknown keywords warn and are skipped."""
    for node in children or ():
        spec = table.get(node.keyword)
        if spec is None:
            ctx.warn(node, f"Unknown keyword '{node.keyword}'")
            continue
        if spec.message:
            ctx.warn(node, spec.message)
        if node.children is not None and not spec.block:
            ctx.warn(node, "Unexpected '{' - ignoring")
            continue
        spec.handler(ctx, node, fields)


def block_signature(children: list[Node]) -> Signature:
    """What a block says, without where: the words of its statements and nested blocks."""
    said = []  # a loop, not a comprehension: no frame of its own (a real server each)
    for child in children:
        nested = child.children
        said.append(child.words if nested is None else (child.words, block_signature(nested)))
    return tuple(said)


def memoized(ctx: Context, key: tuple[str, Any], parse: Callable[[], _T]) -> _T:
    """``parse()`` of a block, reused for later blocks with the same ``key`` (a tag and what the
    block says, see :func:`block_signature`).

    Generated configs repeat the same checker and real server blocks thousands of times. Parsing
    a block depends only on its words, except for what it reports (diagnostics carry line
    numbers) and the scripts it registers: a result is kept only when its parse did neither, so
    every diagnostic is still produced at its own line. The result is shared: it must be
    immutable, or never mutated by the caller."""
    hit = ctx.memo.get(key, _MISSING)
    if hit is not _MISSING:
        result: _T = hit
        return result
    marks = (len(ctx.reporter.items), len(ctx.scripts))
    result = parse()
    if marks == (len(ctx.reporter.items), len(ctx.scripts)):
        ctx.memo[key] = result
    return result


def extra_args(ctx: Context, node: Node, used: int) -> None:
    """pyipvs warns about words keepalived silently ignores (e.g. two statements on one line)."""
    if len(node.args) > used:
        ignored = " ".join(node.args[used:])
        ctx.warn(node, f"'{node.keyword}': extra arguments ignored: '{ignored}'")


def first_arg(ctx: Context, node: Node) -> str | None:
    if not node.args:
        ctx.error(node, f"'{node.keyword}' needs an argument")
        return None
    return node.args[0]


def parse_int(ctx: Context, node: Node, text: str, low: int, high: int) -> int | None:
    try:
        value = int(text, 10)
    except ValueError:
        ctx.error(node, f"invalid number '{text}'")
        return None
    if not low <= value <= high:
        ctx.error(node, f"number '{text}' outside range [{low}, {high}]")
        return None
    return value


def parse_float(ctx: Context, node: Node, text: str, low: float, high: float) -> float | None:
    try:
        value = float(text)
    except ValueError:
        ctx.error(node, f"invalid number '{text}'")
        return None
    if value != value or not low <= value <= high:
        ctx.error(node, f"number '{text}' outside range [{low:f}, {high:f}]")
        return None
    return value


def parse_bool(ctx: Context, node: Node) -> bool:
    """``<BOOL>``: on/off/true/false/yes/no; a missing argument means true."""
    if not node.args:
        return True
    word = node.args[0].lower()
    extra_args(ctx, node, 1)
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    ctx.error(node, f"'{node.keyword}': invalid boolean '{node.args[0]}'")
    return True


def _plain_ipv4(text: str) -> bool:
    """Dotted-quad IPv4 already in normal form (the common case, checked without ipaddress)."""
    parts = text.split(".")
    return len(parts) == 4 and all(
        p.isdigit() and p.isascii() and len(p) <= 3 and (p == "0" or p[0] != "0") and int(p) < 256
        for p in parts
    )


@functools.lru_cache(maxsize=65536)  # a big config names tens of thousands of addresses
def _normal_ip(text: str) -> str | None:
    if _plain_ipv4(text):
        return text
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def parse_ip(ctx: Context, node: Node, text: str, what: str = "address") -> str | None:
    address = _normal_ip(text)
    if address is None:
        ctx.error(node, f"invalid {what} '{text}'")
    return address


def parse_port(ctx: Context, node: Node, text: str) -> int | None:
    return parse_int(ctx, node, text, 0, 65535)


def parse_script(ctx: Context, node: Node) -> Script | None:
    """``"command args" [user [group]]`` (an unquoted command is its first word)."""
    if not node.args:
        ctx.error(node, f"'{node.keyword}' needs a script")
        return None
    user = node.args[1] if len(node.args) > 1 else None
    group = node.args[2] if len(node.args) > 2 else None
    extra_args(ctx, node, 3)
    script = Script(node.args[0], user, group)
    ctx.scripts.append(script)
    return script


# ------------------------------------------------------------------ handler factories
def set_int(name: str, low: int, high: int) -> Keyword:
    def handler(ctx: Context, node: Node, fields: Fields) -> None:
        text = first_arg(ctx, node)
        if text is not None:
            value = parse_int(ctx, node, text, low, high)
            if value is not None:
                fields[name] = value
            extra_args(ctx, node, 1)

    return Keyword(handler)


def set_float(name: str, low: float, high: float) -> Keyword:
    def handler(ctx: Context, node: Node, fields: Fields) -> None:
        text = first_arg(ctx, node)
        if text is not None:
            value = parse_float(ctx, node, text, low, high)
            if value is not None:
                fields[name] = value
            extra_args(ctx, node, 1)

    return Keyword(handler)


def set_str(name: str) -> Keyword:
    def handler(ctx: Context, node: Node, fields: Fields) -> None:
        text = first_arg(ctx, node)
        if text is not None:
            fields[name] = text
            extra_args(ctx, node, 1)

    return Keyword(handler)


def set_ip(name: str) -> Keyword:
    def handler(ctx: Context, node: Node, fields: Fields) -> None:
        text = first_arg(ctx, node)
        if text is not None:
            value = parse_ip(ctx, node, text)
            if value is not None:
                fields[name] = value
            extra_args(ctx, node, 1)

    return Keyword(handler)


def set_flag(name: str, value: bool = True) -> Keyword:
    def handler(ctx: Context, node: Node, fields: Fields) -> None:
        extra_args(ctx, node, 0)
        fields[name] = value

    return Keyword(handler)


def set_bool(name: str) -> Keyword:
    def handler(ctx: Context, node: Node, fields: Fields) -> None:
        fields[name] = parse_bool(ctx, node)

    return Keyword(handler)


def set_script(name: str) -> Keyword:
    def handler(ctx: Context, node: Node, fields: Fields) -> None:
        script = parse_script(ctx, node)
        if script is not None:
            fields[name] = script

    return Keyword(handler)


def keep_option(ctx: Context, node: Node, fields: Fields) -> None:
    """Accepted keyword pyipvs does not model: kept verbatim in ``options``."""
    options: list[Option] = fields.setdefault("options", [])
    options.append((node.keyword, node.args))


def options_table(names: str, block_names: str = "") -> Table:
    """Keywords accepted as-is (see :func:`keep_option`); whitespace-separated names."""
    table = {name: Keyword(keep_option) for name in names.split()}
    table.update({name: Keyword(keep_option, block=True) for name in block_names.split()})
    return table


def deprecated(spec: Keyword, message: str) -> Keyword:
    return Keyword(spec.handler, spec.block, message)


def freeze(fields: Fields) -> Fields:
    """Lists collected while parsing become tuples for the frozen model."""
    return {k: tuple(v) if isinstance(v, list) else v for k, v in fields.items()}


def interface_exists(name: str) -> bool:
    """True when the network namespace we run in has this interface (what ``-t`` checks)."""
    try:
        socket.if_nametoindex(name)
    except (OSError, ValueError):
        return False
    return True
